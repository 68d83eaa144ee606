import pino from 'pino';

export type Logger = pino.Logger;

/** JSON logger (pino) carrying the service name on every line. */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'req.headers.authorization'], censor: '[redacted]' },
  });
}
