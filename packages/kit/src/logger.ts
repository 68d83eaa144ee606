import pino from 'pino';
import { currentLogFields } from './trace-context';

export type Logger = pino.Logger;

/**
 * JSON logger (pino) carrying the service name on every line, and the request id / event id and
 * trace id of the request, consumed event or background run it is written in (runWithLogFields,
 * the active span).
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    mixin: currentLogFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'req.headers.authorization'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
