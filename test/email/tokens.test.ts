// signToken/verifyToken: only a genuine, unexpired token for the right purpose says who it is for.
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken, type TokenPayload } from '../../src/email/tokens.js';

const KEY = 'a-signing-key-of-at-least-32-characters-0123456789';
const OTHER_KEY = 'another-signing-key-of-32-characters-or-more-98765';
const NOW = new Date('2026-11-29T12:00:00Z');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

const unsubscribe = (o: Partial<TokenPayload> = {}): TokenPayload => ({ purpose: 'unsubscribe', email: 'ada@example.org', ...o });

/** Replace one character of `s` at `i` with a different base64url character. */
const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;

describe('signToken / verifyToken', () => {
  it('round-trips a payload, with and without an expiry', () => {
    expect(verifyToken(signToken(unsubscribe(), KEY), KEY, 'unsubscribe', NOW)).toEqual(unsubscribe());
    const confirm: TokenPayload = { purpose: 'confirm', email: 'zoë@example.org', expires: seconds(NOW) + 3600 };
    expect(verifyToken(signToken(confirm, KEY), KEY, 'confirm', NOW)).toEqual(confirm);
  });

  it('makes URL-safe tokens', () => {
    expect(signToken(unsubscribe({ email: 'a+b/c?d=e&f@example.org' }), KEY)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('rejects a token whose payload was altered', () => {
    const [, signature] = signToken(unsubscribe(), KEY).split('.');
    const otherBody = signToken(unsubscribe({ email: 'mallory@example.org' }), KEY).split('.')[0];
    expect(verifyToken(`${otherBody}.${signature}`, KEY, 'unsubscribe', NOW)).toBeUndefined();
    const [body] = signToken(unsubscribe(), KEY).split('.');
    expect(verifyToken(`${flip(body!, 3)}.${signature}`, KEY, 'unsubscribe', NOW)).toBeUndefined();
  });

  it('rejects a token whose signature was altered or cut', () => {
    const [body, signature] = signToken(unsubscribe(), KEY).split('.') as [string, string];
    expect(verifyToken(`${body}.${flip(signature, 0)}`, KEY, 'unsubscribe', NOW)).toBeUndefined();
    expect(verifyToken(`${body}.${signature.slice(0, -1)}`, KEY, 'unsubscribe', NOW)).toBeUndefined();
    expect(verifyToken(`${body}.`, KEY, 'unsubscribe', NOW)).toBeUndefined();
  });

  it('rejects a token signed with another key', () => {
    expect(verifyToken(signToken(unsubscribe(), OTHER_KEY), KEY, 'unsubscribe', NOW)).toBeUndefined();
  });

  it('rejects a token made for another purpose', () => {
    const token = signToken(unsubscribe(), KEY);
    expect(verifyToken(token, KEY, 'preferences', NOW)).toBeUndefined();
    expect(verifyToken(token, KEY, 'confirm', NOW)).toBeUndefined();
  });

  it('rejects an expired token, and accepts it up to its expiry second', () => {
    const token = signToken(unsubscribe({ expires: seconds(NOW) }), KEY);
    expect(verifyToken(token, KEY, 'unsubscribe', NOW)).toEqual(unsubscribe({ expires: seconds(NOW) }));
    expect(verifyToken(token, KEY, 'unsubscribe', new Date(NOW.getTime() + 1000))).toBeUndefined();
  });

  it.each([
    ['an empty string', ''],
    ['three parts', 'a.b.c'],
    ['one part', 'abc'],
    ['non-base64 text', '%%%.!!!'],
    ['a real signature on a non-base64 body', `!!not-base64!!.${signToken({ purpose: 'unsubscribe', email: 'ada@example.org' }, KEY).split('.')[1]}`],
    ['white space', ' . '],
  ])('rejects garbage: %s', (_, token) => {
    expect(verifyToken(token, KEY, 'unsubscribe', NOW)).toBeUndefined();
  });

  it('says which address an unsubscribe token is for, and no other', () => {
    const ada = signToken(unsubscribe({ email: 'ada@example.org' }), KEY);
    const grace = signToken(unsubscribe({ email: 'grace@example.org' }), KEY);
    expect(verifyToken(ada, KEY, 'unsubscribe', NOW)?.email).toBe('ada@example.org');
    expect(verifyToken(grace, KEY, 'unsubscribe', NOW)?.email).toBe('grace@example.org');
    expect(ada).not.toBe(grace);
  });
});
