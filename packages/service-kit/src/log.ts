import { pino, type DestinationStream } from 'pino';

/**
 * Structured one-line logs (pino, JSON to stdout). Callers pass identifiers, never tokens or personal
 * data; the paths below are censored all the same, in case a field of that name is ever handed in.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const REDACTED = ['authorization', 'token', 'variables', 'password', 'headers.authorization', '*.authorization', '*.token', '*.variables'];

/**
 * A logger for one process (`service` names it on every line). The line keeps the shape the launcher
 * and log collectors read: `{"level":"info","t":"<ISO time>","service":"...","msg":"...", ...fields}`.
 * `destination` is for tests that capture the lines; processes write to stdout.
 */
export function createLogger(service: string, level: LogLevel = 'info', destination?: DestinationStream): Logger {
  const log = pino(
    {
      level,
      base: { service },
      messageKey: 'msg',
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[withheld]' },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const emit = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>) => (fields ? log[l](fields, msg) : log[l](msg));
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
