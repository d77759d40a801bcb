// normalizeAddress and parseCategoryList: the rules that make two spellings of one address one subscriber.
import { describe, expect, it } from 'vitest';
import { toSlug } from '../../src/content/slug.js';
import { normalizeAddress, parseCategoryList, unknownCategories } from '../../src/subscribers/address.js';

/** A syntactically valid address of exactly `length` characters (local part 64, DNS labels ≤ 63). */
function addressOfLength(length: number): string {
  const local = 'x'.repeat(64);
  const labels: string[] = [];
  let room = length - local.length - 1 - '.com'.length;
  while (room > 0) {
    const label = Math.min(63, room - (labels.length > 0 ? 1 : 0));
    labels.push('a'.repeat(label));
    room -= label + (labels.length > 1 ? 1 : 0);
  }
  const address = `${local}@${labels.join('.')}.com`;
  if (address.length !== length) throw new Error(`test helper built ${address.length} characters, not ${length}`);
  return address;
}

describe('normalizeAddress', () => {
  it('lowercases the whole address, so differently cased spellings are one subscriber', () => {
    expect(normalizeAddress('Ada@Example.COM')).toBe('ada@example.com');
    expect(normalizeAddress('ADA@EXAMPLE.COM')).toBe(normalizeAddress('ada@example.com'));
  });

  it('trims surrounding whitespace, including tabs and a trailing line break', () => {
    expect(normalizeAddress('  ada@example.com  ')).toBe('ada@example.com');
    expect(normalizeAddress('\tada@example.com\t')).toBe('ada@example.com');
    expect(normalizeAddress('ada@example.com\r\n')).toBe('ada@example.com');
  });

  it('accepts the <angle> form and strips the brackets', () => {
    expect(normalizeAddress('<Ada@Example.com>')).toBe('ada@example.com');
    expect(normalizeAddress('  <ada@example.com>  ')).toBe('ada@example.com');
  });

  it('keeps the characters a real local part uses: dots, plus tags, hyphens, underscores', () => {
    expect(normalizeAddress('Ada.Lovelace+news@mail.example.co.uk')).toBe('ada.lovelace+news@mail.example.co.uk');
    expect(normalizeAddress('first_last-1@example.org')).toBe('first_last-1@example.org');
  });

  it('applies Unicode normalisation (NFC) before comparing', () => {
    // U+212A KELVIN SIGN is canonically equivalent to "K".
    expect(normalizeAddress('\u212Aate@example.com')).toBe('kate@example.com');
    // Composed and decomposed spellings of "é" get the same answer, whatever it is.
    expect(normalizeAddress('jos\u0065\u0301@example.com')).toBe(normalizeAddress('jos\u00e9@example.com'));
  });

  it.each([
    ['an empty string', ''],
    ['only whitespace', '   '],
    ['no @', 'ada.example.com'],
    ['nothing before the @', '@example.com'],
    ['nothing after the @', 'ada@'],
    ['no dot in the domain', 'ada@localhost'],
    ['two @', 'ada@bob@example.com'],
    ['a space in the local part', 'ada lovelace@example.com'],
    ['a space in the domain', 'ada@exa mple.com'],
    ['a comma (two addresses)', 'ada@example.com,bob@example.com'],
    ['a semicolon (two addresses)', 'ada@example.com;bob@example.com'],
    ['a display name', 'Ada Lovelace <ada@example.com>'],
    ['spaces inside the angle brackets', '< ada@example.com >'],
    ['an unbalanced angle bracket', '<ada@example.com'],
    ['consecutive dots', 'ada@example..com'],
    ['a quote', '"ada"@example.com'],
    ['a NUL byte', 'ada@example.com\u0000'],
  ])('rejects %s', (_what, raw) => {
    expect(normalizeAddress(raw)).toBeUndefined();
  });

  it.each([
    ['CRLF and a Bcc header', 'ada@example.com\r\nBcc: victim@example.org'],
    ['LF and a Bcc header', 'ada@example.com\nBcc: victim@example.org'],
    ['a bare CR', 'ada@example.com\rBcc: victim@example.org'],
    ['CRLF in the local part', 'ada\r\n@example.com'],
    ['CRLF inside angle brackets', '<ada@example.com\r\nSubject: hi>'],
    ['an encoded-looking line break', 'ada@example.com%0d%0aBcc:victim@example.org'],
  ])('rejects a header-injection attempt: %s', (_what, raw) => {
    expect(normalizeAddress(raw)).toBeUndefined();
  });

  it('never returns a value containing a line break or whitespace', () => {
    const attempts = ['ada@example.com\r\n', '\r\nada@example.com', 'ada@example.com\r\n\r\n', ' <ada@example.com>\n'];
    for (const raw of attempts) {
      const normalized = normalizeAddress(raw);
      expect(normalized).toBe('ada@example.com');
      expect(normalized).not.toMatch(/\s/);
    }
  });

  it('accepts an address of 254 characters and rejects one of 255 (RFC 5321 path limit)', () => {
    const longest = addressOfLength(254);
    expect(normalizeAddress(longest)).toBe(longest);
    expect(normalizeAddress(addressOfLength(255))).toBeUndefined();
    expect(normalizeAddress(`${'a'.repeat(300)}@example.com`)).toBeUndefined();
  });

  it('accepts a local part of 64 characters and rejects one of 65 (RFC 5321 local-part limit)', () => {
    expect(normalizeAddress(`${'a'.repeat(64)}@example.com`)).toBe(`${'a'.repeat(64)}@example.com`);
    expect(normalizeAddress(`${'a'.repeat(65)}@example.com`)).toBeUndefined();
  });
});

describe('parseCategoryList', () => {
  it('splits a comma-separated string', () => {
    expect(parseCategoryList('tech,news', toSlug)).toEqual(['news', 'tech']);
  });

  it('splits a semicolon-separated string, and a mix of both', () => {
    expect(parseCategoryList('tech;news', toSlug)).toEqual(['news', 'tech']);
    expect(parseCategoryList('tech; news, science', toSlug)).toEqual(['news', 'science', 'tech']);
  });

  it('takes a list as it is, without splitting its items further', () => {
    expect(parseCategoryList(['Open Source', 'Tech'], toSlug)).toEqual(['open-source', 'tech']);
  });

  it('slugs each name, so display names and slugs mean the same category', () => {
    expect(parseCategoryList('Open Source, Machine Learning', toSlug)).toEqual(['machine-learning', 'open-source']);
    expect(parseCategoryList(['  Tech  '], toSlug)).toEqual(['tech']);
  });

  it('de-duplicates after slugging', () => {
    expect(parseCategoryList('Tech, tech; TECH , Open Source, open-source', toSlug)).toEqual(['open-source', 'tech']);
    expect(parseCategoryList(['News', 'news', ' news '], toSlug)).toEqual(['news']);
  });

  it('sorts the slugs so the stored value does not depend on the order given', () => {
    expect(parseCategoryList('zebra, alpha, mango', toSlug)).toEqual(['alpha', 'mango', 'zebra']);
    expect(parseCategoryList('mango, zebra, alpha', toSlug)).toEqual(parseCategoryList('alpha, mango, zebra', toSlug));
  });

  it('returns [] (all categories) for nothing, an empty string, an empty list or only separators', () => {
    expect(parseCategoryList(undefined, toSlug)).toEqual([]);
    expect(parseCategoryList('', toSlug)).toEqual([]);
    expect(parseCategoryList('   ', toSlug)).toEqual([]);
    expect(parseCategoryList(' , ; ,, ', toSlug)).toEqual([]);
    expect(parseCategoryList([], toSlug)).toEqual([]);
    expect(parseCategoryList(['', '  '], toSlug)).toEqual([]);
  });

  it('uses the slug function it is given', () => {
    expect(parseCategoryList('b, a', (s) => `cat-${s}`)).toEqual(['cat-a', 'cat-b']);
  });
});

describe('unknownCategories', () => {
  const known = new Set(['news', 'open-source', 'tech']);

  it('returns the categories, as written, whose slug is not known; names and slugs of known ones pass', () => {
    expect(unknownCategories('Tech, Open Source; space-travel, Gardening', toSlug, known)).toEqual(['space-travel', 'Gardening']);
    expect(unknownCategories(['news', ' Open Source '], toSlug, known)).toEqual([]);
  });

  it('names each unknown category once, and none for an empty list', () => {
    expect(unknownCategories('Space, Space', toSlug, known)).toEqual(['Space']);
    expect(unknownCategories(undefined, toSlug, known)).toEqual([]);
    expect(unknownCategories(' ; ', toSlug, new Set())).toEqual([]);
  });
});
