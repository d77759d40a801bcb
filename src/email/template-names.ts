// What the digest templates are called and what a loaded set is, and how MJML's errors are reported:
// shared by the loader (templates.ts, I/O) and the renderer (render.ts, pure). Pure.
import type { Liquid } from 'liquidjs';
import { TemplateError } from '../errors.js';

/** The parsed templates: one engine for the MJML (HTML-escaping), one for the plain text. */
export interface Templates {
  dir: string;
  mjml: Liquid;
  text: Liquid;
  /** Liquid source of the subject line (from config). */
  subject: string;
}

export const MAIN_MJML = 'digest.mjml.liquid';
export const MAIN_TEXT = 'digest.txt.liquid';
/** Liquid looks templates up by name and appends the engine's extension itself. */
export const MAIN_NAME = 'digest';

export function mjmlError(file: string, cause: unknown): TemplateError {
  const details = (cause as { errors?: Array<{ line?: number; message?: string; tagName?: string }> }).errors;
  if (Array.isArray(details) && details.length > 0) {
    const first = details[0]!;
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    return new TemplateError({
      file: first.line ? `${file}:${first.line}` : file,
      field: first.tagName,
      message: `is not valid MJML: ${first.message ?? 'invalid'}${more}`,
      cause,
    });
  }
  return new TemplateError({ file, message: `MJML failed: ${(cause as Error).message}`, cause });
}
