// Liquid errors → TemplateError naming the template file, line and column; for the email templates
// and the page templates alike. Pure.
import path from 'node:path';
import { TemplateError } from '../errors.js';

/** Liquid errors already say "file:…, line:…, col:…"; they are re-raised with the folder in front. */
export function liquidError(dir: string, cause: unknown): TemplateError {
  const err = cause as Error & { token?: { file?: string; getPosition?: () => [number, number] } };
  const file = err.token?.file;
  const [line, col] = err.token?.getPosition?.() ?? [];
  const where = file ? `${path.join(dir, file)}${line ? `:${line}:${col}` : ''}` : dir;
  const message = err.message.replace(/, file:.*$/s, '');
  return new TemplateError({ file: where, message, cause });
}
