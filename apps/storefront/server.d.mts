export function startStorefrontServer(options: { dist: string; port?: number; host?: string; gatewayUrl?: string }): Promise<{ url: string; close(): Promise<void> }>;
export function loadFiles(dir: string): Map<string, { body: Buffer; type: string; immutable: boolean; gzip?: Buffer; br?: Buffer }>;
