// Structured logging with pino: JSON lines for machines, readable lines when a person watches a terminal.
import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';

/** The logging surface the core uses: pino's, so any pino logger fits. */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug'>;

// pino (and pino-pretty, for a person at a terminal) load when a logger is made, not with every
// module that names the Logger type: most commands never log.
const require = createRequire(import.meta.url);

export function createLogger(destination: { write(text: string): unknown; isTTY?: boolean }, level = 'info', options: { color?: boolean } = {}): Logger {
  const { pino } = require('pino') as typeof import('pino');
  if (destination.isTTY) {
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    const colorize = options.color ?? true;
    return pino(
      { level },
      pretty({ destination: destination as NodeJS.WritableStream, colorize, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', sync: true }),
    );
  }
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination as NodeJS.WritableStream);
}

const ignore = () => {};
/** A logger that drops everything (tests that do not look at logs; commands that log nothing). */
export const silentLogger: Logger = { info: ignore, warn: ignore, error: ignore, debug: ignore };

/** A logger made on its first message: a command that ends up logging nothing never loads pino. */
export function lazyLogger(make: () => Logger): Logger {
  let logger: Logger | undefined;
  const get = () => (logger ??= make());
  const forward = (level: keyof Logger) => ((...args: Parameters<Logger['info']>) => get()[level](...args)) as Logger['info'];
  return { info: forward('info'), warn: forward('warn'), error: forward('error'), debug: forward('debug') };
}
