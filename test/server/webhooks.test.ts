// POST /webhooks/* on the real server (issue 17 §3): each configured service's signed call acts on the
// subscriber it names, in the real SQLite file, once (a retry is a duplicate); a forged or unsigned call
// is refused with no effect; a service not configured has no route. SNS's certificate and handshake go
// through the injected fetch (AWS is not reachable from tests), the rest is the real HTTP path.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snsStringToSign } from '../../src/bounces/webhooks/ses.js';
import { createLogger } from '../../src/log.js';
import { REPO } from '../helpers/site.js';
import { startServedSite, type ServedSite } from '../helpers/served-site.js';

const fixture = (name: string) => JSON.parse(readFileSync(path.join(REPO, 'test', 'fixtures', 'webhooks', name), 'utf8'));
const MAILGUN_KEY = 'key-for-mailgun-webhooks-in-tests';
const POSTMARK = { username: 'postmark', password: 'correct horse battery staple' };
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:broadsheet-bounces';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let site: ServedSite;
const fetched: string[] = [];
const logged: Array<Record<string, unknown>> = [];
const ids: Record<string, number> = {};

beforeAll(async () => {
  site = await startServedSite({
    webhooks: {
      ses: { topicArns: [TOPIC] },
      postmark: POSTMARK,
      mailgun: { signingKey: MAILGUN_KEY },
      sendgrid: { publicKey: (ec.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64') },
      log: createLogger({ write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) }),
      fetch: (async (url: string | URL) => {
        fetched.push(String(url));
        if (String(url) === CERT_URL) return new Response(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
        if (String(url).startsWith('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription')) return new Response('<ConfirmSubscriptionResponse/>');
        return new Response('not found', { status: 404 });
      }) as typeof fetch,
    },
  });
  for (const name of ['ses', 'postmark', 'mailgun', 'sendgrid', 'forged'])
    ids[name] = (await site.store.add({ email: `${name}@example.org`, status: 'active' }, new Date())).subscriber.id;
});
afterAll(() => site?.close());

const post = (service: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${site.base}/webhooks/${service}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const statusOf = async (name: string) => (await site.store.get(ids[name]!))!.status;

function mailgunBody(recipient: string, options: { token?: string; key?: string } = {}) {
  const payload = fixture('mailgun-permanent-failure.json');
  payload['event-data'].recipient = recipient;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = options.token ?? 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';
  payload.signature = {
    timestamp,
    token,
    signature: createHmac('sha256', options.key ?? MAILGUN_KEY)
      .update(timestamp + token)
      .digest('hex'),
  };
  return JSON.stringify(payload);
}

function snsEnvelope(type: 'Notification' | 'SubscriptionConfirmation', message: string) {
  const envelope: Record<string, string> = {
    Type: type,
    MessageId: `sns-${type}-${message.length}`,
    TopicArn: TOPIC,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: CERT_URL,
    ...(type === 'SubscriptionConfirmation'
      ? { Token: 'tok', SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=tok` }
      : {}),
  };
  envelope.Signature = sign('sha256', Buffer.from(snsStringToSign(envelope, type), 'utf8'), rsa.privateKey).toString('base64');
  return JSON.stringify(envelope);
}

describe('the webhook routes', () => {
  it('Mailgun: a signed permanent failure bounces the subscriber; the same call again acts no second time; a forged one is refused', async () => {
    const body = mailgunBody('Mailgun@Example.org');
    const first = await post('mailgun', body);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ events: 1, hardBounces: 1, changed: 1, duplicates: 0 });
    expect(await statusOf('mailgun')).toBe('bounced');
    // Mailgun retries with the same body: a duplicate.
    const retry = await post('mailgun', body);
    expect(await retry.json()).toMatchObject({ hardBounces: 0, duplicates: 1 });

    const forged = await post('mailgun', mailgunBody('forged@example.org', { key: 'not the key', token: 'another-token-000000000000000000000000000000000' }));
    expect(forged.status).toBe(403);
    expect(await statusOf('forged')).toBe('active');
    // Rejections are logged for the operator (the server's own logger is off).
    expect(logged).toContainEqual(expect.objectContaining({ service: 'mailgun', status: 403, msg: 'webhook call rejected' }));
    // A captured signature reused on another body.
    const reused = JSON.parse(body);
    reused['event-data'].recipient = 'forged@example.org';
    reused['event-data'].id = 'another-event-id';
    expect((await post('mailgun', JSON.stringify(reused))).status).toBe(403);
    expect(await statusOf('forged')).toBe('active');
  });

  it('Postmark: basic auth, then a spam complaint unsubscribes and marks the subscriber; no credentials, no effect', async () => {
    const complaint = fixture('postmark-spam-complaint.json');
    complaint.Email = 'postmark@example.org';
    const auth = `Basic ${Buffer.from(`${POSTMARK.username}:${POSTMARK.password}`).toString('base64')}`;
    const none = await post('postmark', JSON.stringify({ ...complaint, Email: 'forged@example.org' }));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="webhooks"');
    // Wrong credentials: 401 as for none (basic auth's answer), and no effect.
    expect(
      (await post('postmark', JSON.stringify({ ...complaint, Email: 'forged@example.org' }), { authorization: 'Basic cG9zdG1hcms6d3Jvbmc=' })).status,
    ).toBe(401);
    expect(await statusOf('forged')).toBe('active');
    const ok = await post('postmark', JSON.stringify(complaint), { authorization: auth });
    expect(await ok.json()).toMatchObject({ complaints: 1, changed: 1 });
    const s = (await site.store.get(ids.postmark!))!;
    expect([s.status, s.complainedAt !== null]).toEqual(['unsubscribed', true]);
  });

  it('SendGrid: an ECDSA-signed batch acts on its bounce; a body changed by one byte is refused', async () => {
    const events = [
      {
        email: 'sendgrid@example.org',
        timestamp: Math.floor(Date.now() / 1000),
        event: 'bounce',
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 unknown',
        sg_event_id: 'sg-1',
      },
    ];
    const body = JSON.stringify(events);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), ec.privateKey).toString('base64');
    const headers = { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp };
    expect((await post('sendgrid', body.replace('sendgrid@', 'forged@'), headers)).status).toBe(403);
    expect(await statusOf('forged')).toBe('active');
    const ok = await post('sendgrid', body, headers);
    expect(await ok.json()).toMatchObject({ hardBounces: 1 });
    expect(await statusOf('sendgrid')).toBe('bounced');
  });

  it('SES through SNS: the subscription handshake is confirmed, then a signed bounce acts; another topic is refused', async () => {
    const confirm = await post('ses', snsEnvelope('SubscriptionConfirmation', 'You have chosen to subscribe'), { 'content-type': 'text/plain; charset=UTF-8' });
    expect(confirm.status).toBe(200);
    expect(fetched).toContain(CERT_URL);
    expect(fetched.some((url) => url.includes('Action=ConfirmSubscription'))).toBe(true);

    const bounce = fixture('ses-bounce.json');
    bounce.bounce.bouncedRecipients[0].emailAddress = 'ses@example.org';
    const ok = await post('ses', snsEnvelope('Notification', JSON.stringify(bounce)), { 'content-type': 'text/plain; charset=UTF-8' });
    expect(await ok.json()).toMatchObject({ hardBounces: 1, changed: 1 });
    expect(await statusOf('ses')).toBe('bounced');

    const other = JSON.parse(
      snsEnvelope(
        'Notification',
        JSON.stringify({ ...bounce, bounce: { ...bounce.bounce, bouncedRecipients: [{ emailAddress: 'forged@example.org', status: '5.1.1' }] } }),
      ),
    );
    other.TopicArn = 'arn:aws:sns:us-east-1:999999999999:someone-else';
    expect((await post('ses', JSON.stringify(other), { 'content-type': 'text/plain' })).status).toBe(403);
    expect(await statusOf('forged')).toBe('active');
  });

  it('a webhook not configured has no route', async () => {
    const plain = await startServedSite();
    try {
      const response = await fetch(`${plain.base}/webhooks/mailgun`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: mailgunBody('forged@example.org'),
      });
      expect(response.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
