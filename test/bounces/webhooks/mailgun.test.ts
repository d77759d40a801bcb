// Mailgun: the documented event payloads, their `signature` block made afresh here with a test signing key
// (HMAC-SHA256 of timestamp + token, hex), at a time relative to the frozen clock.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readMailgunWebhook } from '../../../src/bounces/webhooks/mailgun.js';
import { ago, fixture, hours, minutes, NOW } from './fixtures.js';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const TOKEN = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are reshaped JSON.
function signed(payload: any, options: { at?: Date; key?: string; token?: string } = {}): any {
  const timestamp = String(Math.floor((options.at ?? ago(minutes(1))).getTime() / 1000));
  const token = options.token ?? TOKEN;
  const signature = createHmac('sha256', options.key ?? KEY)
    .update(timestamp + token)
    .digest('hex');
  return { ...payload, signature: { token, timestamp, signature } };
}

function read(payload: unknown, maxAgeMs?: number) {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return readMailgunWebhook({ headers: {}, body }, { signingKey: KEY, now: NOW, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) });
}

const kinds = (outcome: ReturnType<typeof read>) => (outcome.ok ? outcome.events.map((e) => e.kind) : outcome);

describe('readMailgunWebhook: genuine events', () => {
  it('reads a permanent failure: delivery status, our Message-ID with its brackets back, the tag from the envelope sender', () => {
    const payload = signed(fixture('mailgun-permanent-failure.json'));
    const body = JSON.stringify(payload);
    expect(read(body)).toEqual({
      ok: true,
      events: [
        {
          kind: 'hard-bounce',
          about: { address: 'alice@example.com', tag: 'q1w2e3r4', messageId: '<20260203192638.000be97f99f8cea1@news.example.com>' },
          status: '5.1.1',
          detail:
            "550 5.1.1 The email account that you tried to reach does not exist. Please try 5.1.1 double-checking the recipient's email address for typos or 5.1.1 unnecessary spaces.",
          source: 'mailgun',
          key: 'mailgun:G9Bn5sl1TC6nu79C8C0bwg',
          at: new Date(1770146798373),
        },
      ],
      replayGuard: { nonce: `mailgun:${TOKEN}`, bodyDigest: createHash('sha256').update(body).digest('hex') },
    });
  });

  it('reads a failure for an address on Mailgun bounce list as hard, with its code and description', () => {
    const outcome = read(signed(fixture('mailgun-suppress-bounce.json')));
    expect(outcome.ok && outcome.events.map((e) => [e.kind, e.status, e.detail, e.about.messageId])).toEqual([
      ['hard-bounce', undefined, '605 Not delivering to previously bounced address', '<20130503192659.13651.20287@mg.example.com>'],
    ]);
  });

  it('ignores a temporary failure (Mailgun retries it) unless Mailgun gave up on it (reason "old")', () => {
    const temporary = fixture('mailgun-temporary-failure.json');
    expect(kinds(read(signed(temporary)))).toEqual([]);
    temporary['event-data'].reason = 'old';
    expect(kinds(read(signed(temporary)))).toEqual(['soft-bounce']);
    temporary['event-data'].severity = 'permanent';
    expect(kinds(read(signed(temporary)))).toEqual(['soft-bounce']);
  });

  it('counts a permanent failure for a full mailbox as soft, and suppressed complainers and unsubscribers as such', () => {
    const full = fixture('mailgun-permanent-failure.json');
    full['event-data']['delivery-status']['enhanced-code'] = '5.2.2';
    expect(kinds(read(signed(full)))).toEqual(['soft-bounce']);
    const suppressed = fixture('mailgun-suppress-bounce.json');
    suppressed['event-data'].reason = 'suppress-complaint';
    expect(kinds(read(signed(suppressed)))).toEqual(['complaint']);
    suppressed['event-data'].reason = 'suppress-unsubscribe';
    expect(kinds(read(signed(suppressed)))).toEqual(['unsubscribe']);
  });

  it('reads complained and unsubscribed events', () => {
    const complained = read(signed(fixture('mailgun-complained.json')));
    expect(complained.ok && complained.events).toEqual([
      {
        kind: 'complaint',
        about: { address: 'alice@example.com', tag: undefined, messageId: '<20130503182626.18666.16540@mg.example.com>' },
        status: undefined,
        detail: undefined,
        source: 'mailgun',
        key: 'mailgun:-Agny091SquKnsrW2NEKUA',
        at: new Date(1521233123501),
      },
    ]);
    const unsubscribed = read(signed(fixture('mailgun-unsubscribed.json')));
    expect(unsubscribed.ok && unsubscribed.events.map((e) => [e.kind, e.key])).toEqual([['unsubscribe', 'mailgun:Ns7YRPbzQ3y5LRW3e_j1qA']]);
  });

  it('reads deliveries, opens and clicks as nothing', () => {
    for (const event of ['accepted', 'delivered', 'opened', 'clicked']) {
      const payload = fixture('mailgun-complained.json');
      payload['event-data'].event = event;
      expect(kinds(read(signed(payload)))).toEqual([]);
    }
  });

  it('accepts the parent-signature of a subaccount event when it is the one made with our key', () => {
    const payload = signed(fixture('mailgun-complained.json'));
    payload.signature['parent-signature'] = payload.signature.signature;
    payload.signature.signature = createHmac('sha256', 'the subaccount key').update(`${payload.signature.timestamp}${TOKEN}`).digest('hex');
    expect(read(payload).ok).toBe(true);
  });

  it("accepts Mailgun's own retries: a signature up to 12 hours old by default, or maxAgeMs", () => {
    expect(read(signed(fixture('mailgun-complained.json'), { at: ago(hours(11)) })).ok).toBe(true);
    expect(read(signed(fixture('mailgun-complained.json'), { at: ago(hours(2)) }), hours(3)).ok).toBe(true);
  });
});

describe('readMailgunWebhook: forgeries and replays are rejected', () => {
  it('rejects a signature made with another key, or with one character changed', () => {
    expect(read(signed(fixture('mailgun-complained.json'), { key: 'key-someone-else' }))).toEqual({
      ok: false,
      status: 403,
      reason: 'Mailgun signature does not verify',
    });
    const payload = signed(fixture('mailgun-complained.json'));
    const last = payload.signature.signature.at(-1);
    payload.signature.signature = payload.signature.signature.slice(0, -1) + (last === '0' ? '1' : '0');
    expect(read(payload)).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects a genuine signature moved to another token or timestamp', () => {
    const payload = signed(fixture('mailgun-complained.json'));
    expect(read({ ...payload, signature: { ...payload.signature, token: `${TOKEN.slice(0, -1)}1` } })).toMatchObject({ ok: false, status: 403 });
    expect(read({ ...payload, signature: { ...payload.signature, timestamp: String(Number(payload.signature.timestamp) + 1) } })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('gives the same nonce and another digest when a captured signature is put on other events, for the route to refuse', () => {
    const genuine = signed(fixture('mailgun-complained.json'));
    const forged = { ...fixture('mailgun-unsubscribed.json'), signature: genuine.signature };
    const [a, b] = [read(genuine), read(forged)];
    expect(a.ok && b.ok && a.replayGuard?.nonce === b.replayGuard?.nonce && a.replayGuard?.bodyDigest !== b.replayGuard?.bodyDigest).toBe(true);
  });

  it('rejects a stale or future signature', () => {
    expect(read(signed(fixture('mailgun-complained.json'), { at: ago(hours(12) + 1000) }))).toEqual({
      ok: false,
      status: 403,
      reason: 'stale Mailgun signature',
    });
    expect(read(signed(fixture('mailgun-complained.json'), { at: ago(-minutes(10)) }))).toMatchObject({ ok: false, status: 403 });
    expect(read(signed(fixture('mailgun-complained.json'), { at: ago(hours(2)) }), hours(1))).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects an unsigned payload with 401, a malformed one with 400, and refuses all when no key is configured', () => {
    const payload = fixture('mailgun-complained.json');
    delete payload.signature;
    expect(read(payload)).toMatchObject({ ok: false, status: 401 });
    expect(read({ ...payload, signature: { timestamp: '1', token: TOKEN } })).toMatchObject({ ok: false, status: 401 });
    for (const body of ['', 'nope', '[]', JSON.stringify({ signature: 'x' })])
      expect(read(body)).toMatchObject({ ok: false, status: body.includes('signature') ? 401 : 400 });
    const noEventData = signed({});
    expect(read(noEventData)).toMatchObject({ ok: false, status: 400 });
    const body = Buffer.from(JSON.stringify(signed(fixture('mailgun-complained.json'))));
    expect(readMailgunWebhook({ headers: {}, body }, { signingKey: '', now: NOW })).toMatchObject({ ok: false, status: 401 });
  });
});
