// The helpers every webhook reader shares: what they keep, what they refuse.
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  detailOf,
  fromIsoTime,
  fromUnixSeconds,
  headerValue,
  isFresh,
  messageIdOf,
  statusOf,
  tagOfSender,
} from '../../../src/bounces/webhooks/common.js';
import { ago, hours, minutes, NOW } from './fixtures.js';

describe('webhook helpers', () => {
  it('makes details one line of at most 500 characters, without control characters', () => {
    expect(detailOf('550 5.1.1\r\n  user\tunknown\u0000 ')).toBe('550 5.1.1 user unknown');
    const long = detailOf('x'.repeat(2000));
    expect(long).toHaveLength(500);
    expect(long?.endsWith('…')).toBe(true);
    expect(detailOf('', undefined, false, ' ')).toBeUndefined();
    expect(detailOf(550, 'no such user')).toBe('550 no such user');
  });

  it('gives Message-IDs their angle brackets, and refuses what is not one', () => {
    expect(messageIdOf('abc@example.com')).toBe('<abc@example.com>');
    expect(messageIdOf(' <abc@example.com> ')).toBe('<abc@example.com>');
    for (const bad of ['custom-message-ID', 'a b@example.com', '<>', 42, undefined, `${'x'.repeat(300)}@example.com`]) expect(messageIdOf(bad)).toBeUndefined();
  });

  it('finds the tag after the + of an envelope sender, unverified', () => {
    expect(tagOfSender('bounces+q1w2e3r4@example.com')).toBe('q1w2e3r4');
    expect(tagOfSender('<bounces+a+b@example.com>')).toBe('a+b');
    for (const none of ['bounces@example.com', 'bounces+@example.com', 'not an address', undefined]) expect(tagOfSender(none)).toBeUndefined();
  });

  it('finds enhanced status codes in status fields and diagnostic text only', () => {
    expect(statusOf('5.1.1')).toBe('5.1.1');
    expect(statusOf('smtp; 550 5.1.1 <jane@example.com>... User')).toBe('5.1.1');
    expect(statusOf('452 4.2.2 over quota')).toBe('4.2.2');
    for (const none of ['version 15.1.1.2', '550 user unknown', '1.2.3', undefined]) expect(statusOf(none)).toBeUndefined();
  });

  it('compares secrets by value only', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('secret', 'secreT')).toBe(false);
    expect(constantTimeEqual('secret', 'secret ')).toBe(false);
    expect(constantTimeEqual(Buffer.from('a'), 'a')).toBe(true);
  });

  it('keeps a time within the window behind now and five minutes ahead', () => {
    expect(isFresh(ago(hours(1)), NOW, hours(1))).toBe(true);
    expect(isFresh(ago(hours(1) + 1), NOW, hours(1))).toBe(false);
    expect(isFresh(ago(-minutes(5)), NOW, hours(1))).toBe(true);
    expect(isFresh(ago(-minutes(5) - 1), NOW, hours(1))).toBe(false);
    expect(isFresh(new Date(Number.NaN), NOW, hours(1))).toBe(false);
  });

  it('reads the services time formats, and nothing else', () => {
    expect(fromIsoTime('2019-11-05T16:33:54.9070259Z')).toEqual(new Date('2019-11-05T16:33:54.907Z'));
    expect(fromIsoTime('2018-02-20T12:54:23.3396434-05:00')).toEqual(new Date('2018-02-20T17:54:23.339Z'));
    expect(fromIsoTime('yesterday')).toBeUndefined();
    expect(fromUnixSeconds('1529006854')).toEqual(new Date(1529006854000));
    expect(fromUnixSeconds(1521233195.375624)).toEqual(new Date(1521233195376));
    for (const bad of ['-1', '1e9', '', 'now', Number.NaN, -5]) expect(fromUnixSeconds(bad)).toBeUndefined();
  });

  it('reads a header in any case, and refuses a repeated or empty one', () => {
    expect(headerValue({ 'X-Signature': 'a' }, 'x-signature')).toBe('a');
    expect(headerValue({ 'x-signature': ['a'] }, 'X-Signature')).toBe('a');
    expect(headerValue({ 'x-signature': ['a', 'b'] }, 'x-signature')).toBeUndefined();
    expect(headerValue({ 'x-signature': '' }, 'x-signature')).toBeUndefined();
  });
});
