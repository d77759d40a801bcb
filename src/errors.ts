// Error tree for every stage: a stable code, the file and field at fault, and the chained cause.

export interface AppErrorDetails {
  /** Human sentence: what happened and what was expected. No "Error:" prefix. */
  message: string;
  /** File the problem is in, relative to the working directory when possible. */
  file?: string;
  /** Field (front matter key, config path, template part) at fault. */
  field?: string;
  /** Optional hint: what to do about it. */
  hint?: string;
  cause?: unknown;
}

/** Base of every error Broadsheet raises on purpose. `code` names are permanent. */
export class AppError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly hint: string | undefined;

  constructor(code: string, details: AppErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = details.file;
    this.field = details.field;
    this.hint = details.hint;
  }

  /** One line a person can act on: `file: field: message (hint)`. */
  describe(): string {
    const where = [this.file, this.field].filter(Boolean).join(': ');
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where ? `${where}: ` : ''}${this.message}${hint}`;
  }
}

export class ConfigError extends AppError {
  constructor(details: AppErrorDetails) {
    super('CONFIG_INVALID', details);
  }
}

export class ContentError extends AppError {
  constructor(details: AppErrorDetails) {
    super('CONTENT_INVALID', details);
  }
}

export class TemplateError extends AppError {
  constructor(details: AppErrorDetails) {
    super('TEMPLATE_INVALID', details);
  }
}

export class DeliveryError extends AppError {
  constructor(details: AppErrorDetails) {
    super('DELIVERY_FAILED', details);
  }
}

export class StoreError extends AppError {
  constructor(details: AppErrorDetails) {
    super('STORE_FAILED', details);
  }
}

export class InputError extends AppError {
  constructor(details: AppErrorDetails) {
    super('INPUT_INVALID', details);
  }
}

/** Several problems found in one pass (every bad post, every config issue), thrown once. */
export class AggregateAppError extends AppError {
  readonly errors: readonly AppError[];

  constructor(code: string, summary: string, errors: readonly AppError[]) {
    super(code, { message: summary });
    this.errors = errors;
  }

  override describe(): string {
    return [this.message, ...this.errors.map((e) => `  - ${e.describe()}`)].join('\n');
  }
}

/** An error as plain data, for caches that keep reports between runs. */
export interface ErrorRecord {
  file?: string | undefined;
  field?: string | undefined;
  message: string;
  hint?: string | undefined;
}

export function toErrorRecord(error: AppError): ErrorRecord {
  return {
    message: error.message,
    ...(error.file ? { file: error.file } : {}),
    ...(error.field ? { field: error.field } : {}),
    ...(error.hint ? { hint: error.hint } : {}),
  };
}

export function contentErrorFrom(record: ErrorRecord, cause?: unknown): ContentError {
  return new ContentError({
    message: record.message,
    ...(record.file ? { file: record.file } : {}),
    ...(record.field ? { field: record.field } : {}),
    ...(record.hint ? { hint: record.hint } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}

export function describeError(err: unknown): string {
  if (err instanceof AppError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

/** What a file-system error code means, in words ("ENOTDIR" → "not a directory"). */
const FS_WORDS: Record<string, string> = {
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
};

/**
 * A folder Broadsheet was told to use cannot be used: names the setting as it was given (the flag,
 * the variable or the config key, with its value) before the system's words, not a bare
 * "ENOTDIR: not a directory, mkdir '…'".
 */
export class PathError extends AppError {
  constructor(details: AppErrorDetails) {
    super('PATH_FAILED', details);
  }
}

/**
 * The error as a PathError when it is a file-system error under one of `folders` (setting → folder),
 * else unchanged. `originOf` names the setting as given (`--out`, `BROADSHEET_DATA_DIR`, …).
 */
export function pathErrorFrom(err: unknown, folders: ReadonlyArray<{ setting: string; folder: string; origin: string }>): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== 'string' || typeof e.path !== 'string' || err instanceof AppError) return err;
  const target = e.path;
  const match = folders.find(
    ({ folder }) => target === folder || target.startsWith(folder.endsWith('/') ? folder : `${folder}/`) || folder.startsWith(`${target}/`),
  );
  if (!match) return err;
  // mkdir over a file says EEXIST: "already exists" would read as if nothing were wrong.
  const words =
    e.syscall === 'mkdir' && e.code === 'EEXIST'
      ? 'is a file, not a folder'
      : e.syscall === 'mkdir' && e.code === 'ENOENT'
        ? 'cannot be created there'
        : (FS_WORDS[e.code] ?? e.code);
  const where = target === match.folder ? '' : ` (${e.syscall ?? 'using'} ${target})`;
  return new PathError({ file: `${match.origin} ${match.folder}`, message: `${words}${where}`, cause: err });
}
