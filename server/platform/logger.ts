import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';

/** Headers and fields that carry credentials; pino replaces them wherever they appear in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'config.jwtSecret',
  'jwtSecret',
  'JWT_SECRET',
  'password',
  '*.password',
];

/** Structured JSON logs (one object per line) for the server and the CLI. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'usefulwriter', pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
