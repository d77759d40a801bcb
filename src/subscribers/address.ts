// Email addresses: validate, and normalise so two spellings of one address are one subscriber. Pure.
import * as z from 'zod/mini';

const EMAIL = z.email();

/**
 * The normalised form of an address, or undefined when it is not one. Addresses are compared
 * case-insensitively: the domain always is, and in practice no provider treats the local part's
 * case as significant, while publishers' lists are full of "Ada@Example.com" duplicates.
 */
export function normalizeAddress(raw: string): string | undefined {
  const trimmed = raw
    .normalize('NFC')
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .toLowerCase();
  // RFC 5321: at most 254 characters in all and 64 before the @; SMTP servers refuse longer ones for good.
  if (trimmed.length > 254 || trimmed.indexOf('@') > 64 || /[\s<>",;\r\n]/.test(trimmed)) return undefined;
  return EMAIL.safeParse(trimmed).success ? trimmed : undefined;
}

/** Category slugs from a list or a comma/semicolon-separated string; empty means "all categories". */
export function parseCategoryList(value: string | readonly string[] | undefined, toSlug: (s: string) => string): string[] {
  return [...new Set(categoryParts(value).map(toSlug))].sort();
}

/** The categories of a list, as written, whose slug is not among `known`: what an error should quote. */
export function unknownCategories(value: string | readonly string[] | undefined, toSlug: (s: string) => string, known: ReadonlySet<string>): string[] {
  return [...new Set(categoryParts(value).filter((part) => !known.has(toSlug(part))))];
}

function categoryParts(value: string | readonly string[] | undefined): string[] {
  const parts = value === undefined ? [] : typeof value === 'string' ? value.split(/[,;]/) : value;
  return parts.map((p) => p.trim()).filter(Boolean);
}
