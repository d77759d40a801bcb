// Postmark: the documented bounce, spam complaint and subscription change payloads, sent with HTTP basic auth
// as Postmark sends the credentials set on a webhook.
import { describe, expect, it } from 'vitest';
import { readPostmarkWebhook } from '../../../src/bounces/webhooks/postmark.js';
import { fixture, fixtureText } from './fixtures.js';

const CREDENTIALS = { username: 'postmark', password: 'correct horse battery staple' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { authorization: basic(CREDENTIALS.username, CREDENTIALS.password) };

function read(body: unknown, headers: Record<string, string> = AUTH, credentials = CREDENTIALS) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return readPostmarkWebhook({ headers, body: raw }, credentials);
}

describe('readPostmarkWebhook: genuine calls', () => {
  it('reads the documented hard bounce, keeping its 64-bit ID exactly and the address lowercased', () => {
    expect(read(fixtureText('postmark-bounce.json'))).toEqual({
      ok: true,
      events: [
        {
          kind: 'hard-bounce',
          about: { address: 'john@example.com', tag: undefined, messageId: undefined },
          status: '5.1.1',
          detail: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
          source: 'postmark',
          key: 'postmark:4323372036854775807',
          at: new Date('2019-11-05T16:33:54.907Z'),
        },
      ],
    });
  });

  it('reads the documented spam complaint', () => {
    expect(read(fixtureText('postmark-spam-complaint.json'))).toEqual({
      ok: true,
      events: [
        {
          kind: 'complaint',
          about: { address: 'john@example.com', tag: undefined, messageId: undefined },
          status: undefined,
          detail: 'Test spam complaint details',
          source: 'postmark',
          key: 'postmark:42',
          at: new Date('2019-11-05T16:33:54.907Z'),
        },
      ],
    });
  });

  it.each([
    ['HardBounce', 'hard-bounce'],
    ['SpamComplaint', 'complaint'],
    ['ManualSuppression', 'unsubscribe'],
  ])('reads a subscription change suppressing for %s as %s, keyed by stream, address and time', (reason, kind) => {
    const change = { ...fixture('postmark-subscription-change.json'), SuppressionReason: reason };
    expect(read(change)).toEqual({
      ok: true,
      events: [
        {
          kind,
          about: { address: 'bounced-address@example.com', tag: undefined, messageId: undefined },
          status: undefined,
          detail: `Postmark suppressed the address: ${reason} (origin: Recipient)`,
          source: 'postmark',
          key: 'postmark:subscription-change:outbound:bounced-address@example.com:2020-02-01T10:53:34.416071Z',
          at: new Date('2020-02-01T10:53:34.416Z'),
        },
      ],
    });
  });

  it('reads a reactivation (SuppressSending false) and other record types as nothing', () => {
    expect(read({ ...fixture('postmark-subscription-change.json'), SuppressSending: false, SuppressionReason: null })).toEqual({ ok: true, events: [] });
    expect(read({ RecordType: 'Delivery', ID: 1, Recipient: 'john@example.com' })).toEqual({ ok: true, events: [] });
  });

  it.each([
    ['HardBounce', 'hard-bounce'],
    ['BadEmailAddress', 'hard-bounce'],
    ['ManuallyDeactivated', 'hard-bounce'],
    ['SoftBounce', 'soft-bounce'],
    ['Transient', 'soft-bounce'],
    ['DnsError', 'soft-bounce'],
    ['Blocked', 'soft-bounce'],
    ['DMARCPolicy', 'soft-bounce'],
    ['SpamComplaint', 'complaint'],
    ['Unsubscribe', undefined],
    ['Subscribe', undefined],
    ['AutoResponder', undefined],
    ['AddressChange', undefined],
    ['SpamNotification', undefined],
    ['OpenRelayTest', undefined],
    ['Unknown', undefined],
    ['VirusNotification', undefined],
    ['ChallengeVerification', undefined],
    ['Unconfirmed', undefined],
    ['SMTPApiError', undefined],
    ['InboundError', undefined],
    ['TemplateRenderingFailed', undefined],
  ])('reads bounce type %s as %s', (type, kind) => {
    const outcome = read({ ...fixture('postmark-bounce.json'), Type: type, Details: 'details' });
    expect(outcome.ok && outcome.events.map((e) => e.kind)).toEqual(kind === undefined ? [] : [kind]);
  });

  it('counts a hard bounce for a full mailbox (5.2.2) as soft', () => {
    const outcome = read({ ...fixture('postmark-bounce.json'), Details: '552 5.2.2 mailbox full' });
    expect(outcome.ok && outcome.events.map((e) => [e.kind, e.status])).toEqual([['soft-bounce', '5.2.2']]);
  });

  it('accepts the scheme name in any case', () => {
    expect(read(fixtureText('postmark-bounce.json'), { Authorization: AUTH.authorization.replace('Basic', 'basic') }).ok).toBe(true);
  });
});

describe('readPostmarkWebhook: without the right credentials nothing is read', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong password', { authorization: basic('postmark', 'correct horse battery stapler') }],
    ['a password prefix', { authorization: basic('postmark', 'correct horse battery') }],
    ['a wrong user', { authorization: basic('postmarc', CREDENTIALS.password) }],
    ['another scheme', { authorization: `Bearer ${Buffer.from(`postmark:${CREDENTIALS.password}`).toString('base64')}` }],
    ['garbage', { authorization: 'Basic !!!' }],
    ['two Authorization headers', { authorization: [AUTH.authorization, AUTH.authorization] }],
  ])('rejects %s with 401', (_, headers) => {
    expect(readPostmarkWebhook({ headers, body: Buffer.from(fixtureText('postmark-bounce.json')) }, CREDENTIALS)).toMatchObject({ ok: false, status: 401 });
  });

  it('rejects everything when no credentials are configured, empty ones included', () => {
    expect(read(fixtureText('postmark-bounce.json'), { authorization: basic('', '') }, { username: '', password: '' })).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('checks the credentials before reading the body, and rejects an authenticated malformed body with 400', () => {
    expect(read('not json', {})).toMatchObject({ ok: false, status: 401 });
    expect(read('not json')).toMatchObject({ ok: false, status: 400 });
    expect(read('[1,2]')).toMatchObject({ ok: false, status: 400 });
  });
});
