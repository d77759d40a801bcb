// SES through SNS: SNS envelopes from the documented examples, signed here with a test RSA key (v1 SHA1withRSA,
// v2 SHA256withRSA) over the string to sign as AWS's documentation spells it, written out independently of
// the module; the certificate fetcher hands out the test public key and counts its calls.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSnsCertificateUrl, readSesWebhook, snsStringToSign } from '../../../src/bounces/webhooks/ses.js';
import { ago, fixture, hours, minutes, NOW } from './fixtures.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';
const CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';
const SNS_ID = '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324';

// AWS: Notification signs Message, MessageId, Subject (if present), Timestamp, TopicArn, Type; the
// confirmations sign Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type. Name, newline, value, newline.
function awsStringToSign(m: Record<string, string>): string {
  const fields =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', ...(m.Subject === undefined ? [] : ['Subject']), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return fields.map((f) => `${f}\n${m[f]}\n`).join('');
}

type Envelope = Record<string, string>;

function signed(envelope: Envelope, options: { version?: '1' | '2'; key?: KeyObject } = {}): Envelope {
  const version = options.version ?? '2';
  const m: Envelope = { ...envelope, SignatureVersion: version };
  delete m.Signature;
  m.Signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(awsStringToSign(m), 'utf8'), options.key ?? privateKey).toString('base64');
  return m;
}

/** The documented Notification envelope carrying an SES notification fixture, published a minute ago. */
function notification(ses: unknown, overrides: Partial<Envelope> = {}): Envelope {
  const envelope: Envelope = { ...fixture('sns-notification.json'), Message: JSON.stringify(ses), Timestamp: ago(minutes(1)).toISOString(), ...overrides };
  delete envelope.Subject; // SES's notifications come without one
  return envelope;
}

function fetcher(pem: string = PEM) {
  const calls: string[] = [];
  return {
    calls,
    certificate: async (url: string) => {
      calls.push(url);
      return pem;
    },
  };
}

async function read(body: Envelope | Buffer | string, f = fetcher(), headers: Record<string, string> = {}, maxAgeMs?: number) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return readSesWebhook({ headers, body: raw }, { topicArns: [TOPIC], certificate: f.certificate, now: NOW, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) });
}

const janeBounce = {
  kind: 'hard-bounce',
  about: { address: 'jane@example.com', tag: 'q1w2e3r4', messageId: '<2016-W04.7.jane@news.example.com>' },
  status: '5.1.1',
  detail: 'smtp; 550 5.1.1 <jane@example.com>... User',
  source: 'ses',
  key: `ses:${SNS_ID}:0`,
  at: new Date('2016-01-27T14:59:38.237Z'),
};

describe('readSesWebhook: genuine notifications', () => {
  it('reads a permanent bounce signed with SignatureVersion 2, fetching the certificate at SigningCertURL once', async () => {
    const f = fetcher();
    expect(await read(signed(notification(fixture('ses-bounce.json'))), f)).toEqual({ ok: true, events: [janeBounce] });
    expect(f.calls).toEqual([CERT_URL]);
  });

  it('reads one signed with SignatureVersion 1 (SHA1withRSA), Subject included in what is signed', async () => {
    const envelope = { ...notification(fixture('ses-bounce.json')), Subject: 'Amazon SES Email Event Notification' };
    expect(await read(signed(envelope, { version: '1' }))).toEqual({ ok: true, events: [janeBounce] });
  });

  it('reads a complaint: the address lowercased, our Message-ID given its angle brackets, the feedback type in the detail', async () => {
    expect(await read(signed(notification(fixture('ses-complaint.json'))))).toEqual({
      ok: true,
      events: [
        {
          kind: 'complaint',
          about: { address: 'richard@example.com', tag: undefined, messageId: '<2016-W04.7.richard@news.example.com>' },
          status: undefined,
          detail: 'feedback type: abuse (AnyCompany Feedback Loop (V0.01))',
          source: 'ses',
          key: `ses:${SNS_ID}:0`,
          at: new Date('2016-01-27T14:59:38.237Z'),
        },
      ],
    });
  });

  it('makes one event per bounced recipient, numbered in the key; Transient and Undetermined bounces are soft', async () => {
    for (const bounceType of ['Transient', 'Undetermined']) {
      const ses = fixture('ses-bounce.json');
      ses.bounce.bounceType = bounceType;
      ses.bounce.bouncedRecipients.push({
        emailAddress: 'Mary@example.com',
        status: '4.2.2',
        action: 'failed',
        diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
      });
      const outcome = await read(signed(notification(ses)));
      expect(outcome.ok && outcome.events.map((e) => [e.kind, e.about.address, e.status, e.key])).toEqual([
        ['soft-bounce', 'jane@example.com', '5.1.1', `ses:${SNS_ID}:0`],
        ['soft-bounce', 'mary@example.com', '4.2.2', `ses:${SNS_ID}:1`],
      ]);
    }
  });

  it('counts a permanent bounce for a full mailbox (5.2.2) as soft, and reads configuration-set event publishing (eventType)', async () => {
    const ses = fixture('ses-bounce.json');
    ses.bounce.bouncedRecipients[0].status = '5.2.2';
    ses.eventType = ses.notificationType;
    delete ses.notificationType;
    const outcome = await read(signed(notification(ses)));
    expect(outcome.ok && outcome.events.map((e) => e.kind)).toEqual(['soft-bounce']);
  });

  it('finds our Message-ID in commonHeaders when the original headers were not included, never SES own mail.messageId', async () => {
    const ses = fixture('ses-bounce.json');
    delete ses.mail.headers;
    ses.mail.commonHeaders.messageId = 'digest.9@news.example.com';
    const outcome = await read(signed(notification(ses)));
    expect(outcome.ok && outcome.events[0]?.about.messageId).toBe('<digest.9@news.example.com>');
    delete ses.mail.commonHeaders;
    const bare = await read(signed(notification(ses)));
    expect(bare.ok && bare.events[0]?.about.messageId).toBeUndefined();
  });

  it('returns no events for a delivery, or a signed message on our topic that is not an SES notification', async () => {
    expect(await read(signed(notification(fixture('ses-delivery.json'))))).toEqual({ ok: true, events: [] });
    expect(await read(signed({ ...notification({}), Message: 'Hello world!' }))).toEqual({ ok: true, events: [] });
  });

  it('accepts a message up to maxAgeMs old, and a clock a few minutes behind the sender', async () => {
    const old = signed(notification(fixture('ses-bounce.json'), { Timestamp: ago(hours(3)).toISOString() }));
    expect((await read(old, fetcher(), {}, hours(4))).ok).toBe(true);
    const early = signed(notification(fixture('ses-bounce.json'), { Timestamp: new Date(NOW.getTime() + minutes(2)).toISOString() }));
    expect((await read(early)).ok).toBe(true);
  });
});

describe('readSesWebhook: the subscription handshake', () => {
  const confirmation = () => ({ ...fixture('sns-subscription-confirmation.json'), Timestamp: ago(minutes(1)).toISOString() });

  it('asks the route to visit SubscribeURL for a verified SubscriptionConfirmation', async () => {
    const envelope = confirmation();
    expect(await read(signed(envelope))).toEqual({ ok: true, events: [], confirm: { subscribeUrl: envelope.SubscribeURL } });
  });

  it('does not confirm one signed with another key, or one whose SubscribeURL is not an SNS ConfirmSubscription link', async () => {
    expect(await read(signed(confirmation(), { key: other.privateKey }))).toMatchObject({ ok: false, status: 403 });
    for (const url of [
      'https://evil.example/?Action=ConfirmSubscription',
      'http://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription',
      'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe',
    ]) {
      const f = fetcher();
      expect(await read(signed({ ...confirmation(), SubscribeURL: url }), f)).toMatchObject({ ok: false, status: 403 });
      expect(f.calls).toEqual([]);
    }
  });

  it('reads a verified UnsubscribeConfirmation as nothing to do', async () => {
    const envelope = { ...fixture('sns-unsubscribe-confirmation.json'), Timestamp: ago(minutes(1)).toISOString() };
    expect(await read(signed(envelope))).toEqual({ ok: true, events: [] });
  });
});

describe('readSesWebhook: forgeries and replays are rejected', () => {
  const genuine = () => signed(notification(fixture('ses-bounce.json')));

  it('rejects a body changed by one byte in any signed value', async () => {
    const text = JSON.stringify(genuine());
    expect((await read(text)).ok).toBe(true);
    for (const [from, to] of [
      ['jane@example.com>... User', 'jane@example.com>... Usex'], // inside Message
      [SNS_ID, SNS_ID.replace(/4$/, '5')], // MessageId
      [`"Timestamp":"${ago(minutes(1)).toISOString()}"`, `"Timestamp":"${ago(minutes(1) - 1).toISOString()}"`], // Timestamp, by a millisecond
    ] as const) {
      const tampered = text.replace(from, to);
      expect(tampered).not.toBe(text);
      expect(await read(tampered)).toEqual({ ok: false, status: 403, reason: 'SNS signature does not verify' });
    }
  });

  it('rejects a message signed with another key, or a Subject added after signing', async () => {
    expect(await read(signed(notification(fixture('ses-bounce.json')), { key: other.privateKey }))).toMatchObject({ ok: false, status: 403 });
    expect(await read({ ...genuine(), Subject: 'added' })).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects a stale or future message, and one for another topic, without fetching a certificate', async () => {
    for (const [overrides, reason] of [
      [{ Timestamp: ago(hours(1) + 1000).toISOString() }, 'stale SNS message'],
      [{ Timestamp: new Date(NOW.getTime() + minutes(10)).toISOString() }, 'stale SNS message'],
      [{ TopicArn: 'arn:aws:sns:us-west-2:123456789012:SomeoneElse' }, 'message for another topic'],
    ] as const) {
      const f = fetcher();
      expect(await read(signed(notification(fixture('ses-bounce.json'), overrides)), f)).toEqual({ ok: false, status: 403, reason });
      expect(f.calls).toEqual([]);
    }
  });

  it.each([
    'http://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://sns.us-west-2.amazonaws.com.evil.example/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://sns.us-west-2.amazonaws.com@evil.example/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://evil.example/sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://evil.example\\@sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://evilsns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://sns.us-west-2.amazonaws.com./SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://sns.us-west-2.amazonaws.com:8443/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://user:pw@sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://s3.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0',
    'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem?Action=Unsubscribe',
    'https://sns.us-west-2.amazonaws.com/other/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'file:///etc/ssl/cert.pem',
    'not a url',
  ])('refuses the SigningCertURL %s before fetching it', async (url) => {
    const f = fetcher();
    expect(await read(signed(notification(fixture('ses-bounce.json'), { SigningCertURL: url })), f)).toEqual({
      ok: false,
      status: 403,
      reason: 'SigningCertURL is not an SNS certificate URL',
    });
    expect(f.calls).toEqual([]);
  });

  it('knows the SNS certificate URLs of every region, China included', () => {
    expect(isSnsCertificateUrl(CERT_URL)).toBe(true);
    expect(isSnsCertificateUrl('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3242f78e9a6b3c3d4b8d8a4c4ee1c5b2.pem')).toBe(true);
    expect(isSnsCertificateUrl('https://SNS.EU-WEST-1.AMAZONAWS.COM/SimpleNotificationService-abc.pem')).toBe(true);
  });

  it('rejects an unsigned message (401) and an unknown SignatureVersion (403), fetching nothing', async () => {
    const f = fetcher();
    for (const drop of ['Signature', 'SigningCertURL']) {
      const envelope = genuine();
      delete envelope[drop];
      expect(await read(envelope, f)).toMatchObject({ ok: false, status: 401 });
    }
    expect(await read({ ...genuine(), SignatureVersion: '3' }, f)).toMatchObject({ ok: false, status: 403 });
    expect(f.calls).toEqual([]);
  });

  it('answers 503 when the certificate cannot be fetched (SNS retries), 403 when what came back is no key', async () => {
    const failing = {
      certificate: async () => {
        throw new Error('ECONNRESET');
      },
      calls: [],
    };
    expect(await read(genuine(), failing)).toMatchObject({ ok: false, status: 503 });
    expect(await read(genuine(), fetcher('<html>not a certificate</html>'))).toMatchObject({ ok: false, status: 403 });
  });

  it('rejects malformed bodies with 400 and fetches nothing', async () => {
    const f = fetcher();
    const bodies: (string | Buffer)[] = [
      '',
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...genuine(), Type: 'Something' }),
      JSON.stringify({ ...genuine(), Message: 42 }),
      JSON.stringify({ ...genuine(), Timestamp: 'yesterday' }),
      Buffer.from([0xff, 0xfe, 0x7b]),
      Buffer.alloc(5 * 1024 * 1024, 0x20),
    ];
    for (const body of bodies) expect(await read(body, f)).toMatchObject({ ok: false, status: 400 });
    expect(await read(genuine(), f, { 'x-amz-sns-message-type': 'SubscriptionConfirmation' })).toMatchObject({ ok: false, status: 400 });
    expect(f.calls).toEqual([]);
  });

  it('never throws on a genuine body with bytes flipped at random, and never reads anything else from it', async () => {
    const body = Buffer.from(JSON.stringify(genuine()));
    let seed = 17;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      const mutated = Buffer.from(body);
      mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      const outcome = await read(mutated);
      // A flip in UnsubscribeURL or SigningCertURL's hash part is outside what is signed; otherwise it is refused.
      if (outcome.ok) expect(outcome).toEqual({ ok: true, events: [janeBounce] });
    }
  });
});

describe('snsStringToSign', () => {
  it('is each signed field name and value on its own line, in the documented order, Subject only when present', () => {
    const m = { Type: 'Notification', MessageId: 'id', TopicArn: 'arn', Message: 'a\nb', Timestamp: 't', UnsubscribeURL: 'u', SignatureVersion: '2' };
    expect(snsStringToSign(m, 'Notification')).toBe('Message\na\nb\nMessageId\nid\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n');
    expect(snsStringToSign({ ...m, Subject: 's' }, 'Notification')).toBe(
      'Message\na\nb\nMessageId\nid\nSubject\ns\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n',
    );
  });
});
