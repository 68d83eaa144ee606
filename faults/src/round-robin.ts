import http from 'node:http';

// A small round-robin HTTP proxy: the one URL the gateway has for a subgraph, in front of that
// subgraph's replicas — what a Kubernetes Service (kube-proxy) or `docker compose --scale` behind
// the service name gives in a cluster. Plain node:http, one new backend connection per request (no
// keep-alive towards the replicas: a socket to a replica that was SIGKILLed is never reused).
// A request goes to the next replica that is registered and running; when that replica refuses the
// connection (it just died, nothing was sent) the next one is tried. A replica that dies with the
// request in flight answers 502, as a pod dying under a Service does.

/** What the proxy needs of a replica (a ProcService fits). */
export interface Backend {
  readonly port: number;
  running(): boolean;
}

export interface RoundRobin {
  readonly port: number;
  readonly url: string;
  /** Starts routing to `backend` (call once it answers ready). */
  add(backend: Backend): void;
  remove(backend: Backend): void;
  backends(): Backend[];
  /** Requests answered per backend port (for figures). */
  readonly served: Map<number, number>;
  close(): Promise<void>;
}

export function startRoundRobin(port: number, host = '127.0.0.1'): Promise<RoundRobin> {
  const backends: Backend[] = [];
  const served = new Map<number, number>();
  let next = 0;

  const forward = (backend: Backend, req: http.IncomingMessage, body: Buffer): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      const out = http.request(
        { host, port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${host}:${backend.port}`, connection: 'close' }, agent: false },
        resolve,
      );
      out.once('error', reject);
      out.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const live = backends.filter((b) => b.running());
      for (let attempt = 0; attempt < live.length; attempt++) {
        const backend = live[next++ % live.length];
        try {
          const answer = await forward(backend, req, body);
          served.set(backend.port, (served.get(backend.port) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        } catch (error) {
          // Refused: nothing reached that replica, the next one may take it. Anything else: it may have.
          if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') continue;
          break;
        }
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'no replica answered', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () =>
      resolve({
        port,
        url: `http://${host}:${port}`,
        add: (b) => void (backends.includes(b) || backends.push(b)),
        remove: (b) => void (backends.includes(b) && backends.splice(backends.indexOf(b), 1)),
        backends: () => [...backends],
        served,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}
