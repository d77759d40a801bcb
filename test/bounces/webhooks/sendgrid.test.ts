// SendGrid: the documented event batch, sent as the fixture's raw bytes and signed here with a test ECDSA
// P-256 key over timestamp + body; the public key handed over as SendGrid shows it (base64 of the DER key).
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { readSendgridWebhook, sendgridPublicKey } from '../../../src/bounces/webhooks/sendgrid.js';
import { ago, fixtureText, hours, minutes, NOW } from './fixtures.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SHOWN_KEY = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

function signedRequest(body: string | Buffer, options: { at?: Date; key?: KeyObject } = {}) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const timestamp = String(Math.floor((options.at ?? ago(minutes(1))).getTime() / 1000));
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), raw]), options.key ?? privateKey).toString('base64');
  return { headers: { [SIGNATURE]: signature, [TIMESTAMP]: timestamp } as Record<string, string>, body: raw };
}

const read = (req: ReturnType<typeof signedRequest>, options: { publicKey?: string | KeyObject; maxAgeMs?: number } = {}) =>
  readSendgridWebhook(req, { publicKey: options.publicKey ?? SHOWN_KEY, now: NOW, ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }) });

const at = new Date(1513299569000);
const messageId = '<14c5d75ce93.dfd.64b469@ismtpd-555>';

describe('readSendgridWebhook: genuine batches', () => {
  it('reads the documented batch: bounces, blocks, drops, spam reports and unsubscribes; deliveries and engagement are nothing', () => {
    expect(read(signedRequest(fixtureText('sendgrid-events.json')))).toEqual({
      ok: true,
      events: [
        {
          kind: 'hard-bounce',
          about: { address: 'example@example.com', tag: undefined, messageId },
          status: '5.0.0',
          detail: '500 unknown recipient',
          source: 'sendgrid',
          key: 'sendgrid:6g4ZI7SA-xmRDv57GoPIPw==',
          at,
        },
        {
          kind: 'soft-bounce',
          about: { address: 'blocked@example.com', tag: undefined, messageId },
          status: '5.7.1',
          detail: '550 5.7.1 message rejected due to sender reputation',
          source: 'sendgrid',
          key: 'sendgrid:qEhV2a8EQrSqX5OfRl3r8g==',
          at,
        },
        {
          kind: 'hard-bounce',
          about: { address: 'dropped@example.com', tag: undefined, messageId },
          status: '5.0.0',
          detail: 'Bounced Address',
          source: 'sendgrid',
          key: 'sendgrid:zmzJhfJgAfUSOW80yEbPyw==',
          at,
        },
        {
          kind: 'complaint',
          about: { address: 'example@example.com', tag: undefined, messageId: undefined },
          status: undefined,
          detail: 'SendGrid spamreport',
          source: 'sendgrid',
          key: 'sendgrid:37nvH5QBz858KGVYCM4uOA==',
          at,
        },
        {
          kind: 'unsubscribe',
          about: { address: 'unsub@example.com', tag: undefined, messageId },
          status: undefined,
          detail: 'SendGrid unsubscribe',
          source: 'sendgrid',
          key: 'sendgrid:zz_BjPgU_5pS-J8vlfB1sg==',
          at,
        },
        {
          kind: 'unsubscribe',
          about: { address: 'group@example.com', tag: undefined, messageId },
          status: undefined,
          detail: 'SendGrid group_unsubscribe',
          source: 'sendgrid',
          key: 'sendgrid:ahSCB7xYcXFb-hEaawsPRw==',
          at,
        },
      ],
    });
  });

  it('takes the verification key as a PEM or a parsed key too', () => {
    const req = signedRequest(fixtureText('sendgrid-events.json'));
    expect(read(req, { publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string }).ok).toBe(true);
    expect(read(req, { publicKey: sendgridPublicKey(SHOWN_KEY) }).ok).toBe(true);
  });

  it.each([
    ['Bounced Address', 'hard-bounce'],
    ['Invalid', 'hard-bounce'],
    ['Spam Reporting Address', 'complaint'],
    ['Unsubscribed Address', 'unsubscribe'],
    ['Spam Content (if spam checker app enabled)', undefined],
    ['Recipient List over Package Quota', undefined],
    ['Invalid SMTPAPI header', undefined],
  ])('reads a drop for "%s" as %s', (reason, kind) => {
    const outcome = read(signedRequest(JSON.stringify([{ email: 'a@example.com', timestamp: 1513299569, event: 'dropped', reason, sg_event_id: 'e1' }])));
    expect(outcome.ok && outcome.events.map((e) => e.kind)).toEqual(kind === undefined ? [] : [kind]);
  });

  it('names an event without sg_event_id by what it says, so a retry of it gets the same key', () => {
    const body = JSON.stringify([
      { email: 'x@example.com', 'smtp-id': '<4FB29F5D.5080404@sendgrid.com>', timestamp: 1386636115, reason: 'Invalid', event: 'dropped' },
    ]);
    const outcome = read(signedRequest(body));
    expect(outcome.ok && outcome.events.map((e) => e.key)).toEqual(['sendgrid:dropped:x@example.com:1386636115:<4FB29F5D.5080404@sendgrid.com>']);
  });

  it('accepts a retry within 25 hours by default, or maxAgeMs', () => {
    expect(read(signedRequest('[]', { at: ago(hours(24)) })).ok).toBe(true);
    expect(read(signedRequest('[]', { at: ago(minutes(30)) }), { maxAgeMs: hours(1) }).ok).toBe(true);
  });
});

describe('readSendgridWebhook: forgeries and replays are rejected', () => {
  it('rejects the body changed by one byte, even where the JSON means the same', () => {
    const text = fixtureText('sendgrid-events.json');
    const req = signedRequest(text);
    expect(read(req).ok).toBe(true);
    for (const index of [text.indexOf('  '), text.indexOf('5.0.0') + 2, text.length - 1]) {
      const body = Buffer.from(req.body);
      body[index] = body[index] === 0x20 ? 0x09 : 0x20;
      expect(read({ ...req, body })).toEqual({ ok: false, status: 403, reason: 'SendGrid signature does not verify' });
    }
  });

  it('rejects a signature by another key, the timestamp header changed, or a signature that is not one', () => {
    const text = fixtureText('sendgrid-events.json');
    expect(read(signedRequest(text, { key: other.privateKey }))).toMatchObject({ ok: false, status: 403 });
    const req = signedRequest(text);
    expect(read({ ...req, headers: { ...req.headers, [TIMESTAMP]: String(Number(req.headers[TIMESTAMP]) + 1) } })).toMatchObject({ ok: false, status: 403 });
    expect(read({ ...req, headers: { ...req.headers, [SIGNATURE]: 'bm90IGEgc2lnbmF0dXJl' } })).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects a stale or future timestamp', () => {
    expect(read(signedRequest('[]', { at: ago(hours(25) + 1000) }))).toEqual({ ok: false, status: 403, reason: 'stale SendGrid signature' });
    expect(read(signedRequest('[]', { at: ago(-minutes(10)) }))).toMatchObject({ ok: false, status: 403 });
    expect(read(signedRequest('[]', { at: ago(hours(2)) }), { maxAgeMs: hours(1) })).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects a request without either header with 401', () => {
    const req = signedRequest(fixtureText('sendgrid-events.json'));
    for (const name of [SIGNATURE, TIMESTAMP]) {
      const headers = { ...req.headers };
      delete headers[name];
      expect(read({ ...req, headers })).toMatchObject({ ok: false, status: 401 });
    }
  });

  it('rejects a signed body that is not a JSON array with 400', () => {
    for (const body of ['{"event":"bounce"}', 'not json', '']) expect(read(signedRequest(body))).toMatchObject({ ok: false, status: 400 });
  });
});

describe('sendgridPublicKey', () => {
  it('refuses, as a configuration error, anything but a P-256 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    for (const text of ['', 'not base64 at all!', rsa, p384]) expect(() => sendgridPublicKey(text)).toThrow(ConfigError);
    expect(sendgridPublicKey(` ${SHOWN_KEY}\n`).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});
