// Structured logging with pino: JSON lines for machines, readable lines when a person watches a terminal.
import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/** The logging surface the core uses: pino's, so any pino logger fits. */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug'>;

export function createLogger(destination: { write(text: string): unknown; isTTY?: boolean }, level = 'info'): Logger {
  if (destination.isTTY) {
    return pino({ level }, pretty({ destination: destination as NodeJS.WritableStream, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', sync: true }));
  }
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination as NodeJS.WritableStream);
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = pino({ level: 'silent' });
