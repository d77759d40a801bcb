// classifyReturnedMail: what each kind of message in the bounce mailbox is, and who it is about, read from
// fixtures shaped like the real ones (sisimai's corpus of bounces, the providers' FBL and NDR forms).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bounceKind, classifyReturnedMail } from '../../src/bounces/classify.js';
import type { ReturnedEvent, ReturnedMail } from '../../src/bounces/returned.js';

const DIR = new URL('../fixtures/returned/', import.meta.url);
const raw = (name: string) => readFileSync(new URL(name, DIR));
const classify = (name: string) => classifyReturnedMail(raw(name));
const keyOf = (bytes: Buffer) => `mailbox:${createHash('sha256').update(bytes).digest('hex')}`;

const OUR_ID = '<d.2026-11-23.2026-11-30.abcdef@example.com>';
const ADA_TOKEN = 'eyJwIjoidW5zdWJzY3JpYmUiLCJlIjoiYWRhQGV4YW1wbGUub3JnIn0.avcQyONnsnJthcZAP2WFIroZf8HqROoGGkGVhIKtODo';
const GRACE_TOKEN = 'eyJwIjoidW5zdWJzY3JpYmUiLCJlIjoiZ3JhY2UuaG9wcGVyQGV4YW1wbGUubmV0In0.nQm3ngQC76pLvNj5Kmn53oTJJs7zhwN7bdnV68DWRFI';

function events(mail: ReturnedMail): ReturnedEvent[] {
  if (mail.kind !== 'report') throw new Error(`expected a report, got ${JSON.stringify(mail)}`);
  return mail.events;
}

/** A report's events without their keys, to compare whole. */
async function reportOf(name: string) {
  return events(await classify(name)).map(({ key: _key, ...rest }) => rest);
}

const event = (o: Partial<Omit<ReturnedEvent, 'key'>> & Pick<ReturnedEvent, 'kind' | 'about'>) => ({
  status: undefined,
  detail: undefined,
  source: 'mailbox',
  at: undefined,
  ...o,
});

describe('classifyReturnedMail: delivery status notifications', () => {
  it('Postfix, user unknown: a hard bounce, tagged by the address it came back to, with our Message-ID', async () => {
    expect(await reportOf('postfix-user-unknown.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'ada@example.org', tag: 'b-12-345-9f86d081884c7d65', messageId: OUR_ID },
        status: '5.1.1',
        detail: '550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
      }),
    ]);
  });

  it('Postfix, mailbox full (5.2.2): a soft bounce; the address lowercased; the Message-ID from folded text/rfc822-headers', async () => {
    expect(await reportOf('postfix-mailbox-full.eml')).toEqual([
      event({
        kind: 'soft-bounce',
        about: { address: 'bob@example.net', tag: 'b-12-346-4e07408562bedb8b', messageId: OUR_ID },
        status: '5.2.2',
        detail: '552 5.2.2 <bob@example.net>: Mailbox full',
      }),
    ]);
  });

  it('Exim (multipart/report): the Status field as given, the diagnostic without its "smtp;" type', async () => {
    expect(await reportOf('exim-report.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'carol@example.net', tag: 'b-12-347-a1b2c3d4e5f60718', messageId: OUR_ID },
        status: '5.0.0',
        detail: '550 5.1.1 <carol@example.net>: Recipient address rejected: User unknown',
      }),
    ]);
  });

  it('Office 365 NDR: the three-digit detail code (5.1.10), the folded diagnostic joined', async () => {
    expect(await reportOf('office365-ndr.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'erin@example.org', tag: 'b-12-349-77aa88bb99cc00dd', messageId: OUR_ID },
        status: '5.1.10',
        detail: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      }),
    ]);
  });

  it('Gmail: the delivery-status part found past multipart/related and alternative parts', async () => {
    const [only, ...rest] = await reportOf('gmail-report.eml');
    expect(rest).toEqual([]);
    expect(only).toMatchObject({
      kind: 'hard-bounce',
      about: { address: 'frank@example.net', tag: 'b-12-350-5e6f7a8b9c0d1e2f', messageId: OUR_ID },
      status: '5.1.1',
    });
    expect(only!.detail).toMatch(/^550-5\.1\.1 The email account that you tried to reach does not exist\. Please try 550-5\.1\.1 double-checking/);
    expect(only!.detail).toMatch(/- gsmtp$/);
    expect(only!.detail).not.toMatch(/\n|\s{2}/);
  });

  it('a DSN for two recipients is two events, in order: user unknown is hard, "quota exceeded" 5.2.2 soft', async () => {
    const about = (address: string) => ({ address, tag: 'b-12-353-feedfacecafebeef', messageId: OUR_ID });
    expect(await reportOf('sendmail-two-recipients.eml')).toEqual([
      event({ kind: 'hard-bounce', about: about('ivan@example.org'), status: '5.1.1', detail: '550 5.1.1 <ivan@example.org>... User unknown' }),
      event({ kind: 'soft-bounce', about: about('judy@example.org'), status: '5.2.2', detail: '552 5.2.2 <judy@example.org>... Mailbox quota exceeded' }),
    ]);
    const [first, second] = events(await classify('sendmail-two-recipients.eml'));
    expect(first!.key).toBe(`${keyOf(raw('sendmail-two-recipients.eml'))}:0`);
    expect(second!.key).toBe(`${keyOf(raw('sendmail-two-recipients.eml'))}:1`);
  });

  it('a relay that rewrote the envelope (SES): no tag anywhere, only our Message-ID attributes it', async () => {
    expect(await reportOf('ses-relay.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'oscar@example.org', tag: undefined, messageId: OUR_ID },
        status: '5.1.1',
        detail: '550 5.1.1 oscar@example.org: Recipient address rejected: User unknown in relay recipient table',
      }),
    ]);
  });

  it('a DSN with only a delay is ignored, not a bounce', async () => {
    const mail = await classify('postfix-delayed.eml');
    expect(mail).toEqual({ kind: 'ignored', reason: 'delivery status notice without a failure (Action: delayed)', key: keyOf(raw('postfix-delayed.eml')) });
  });
});

describe('classifyReturnedMail: bounces in plain text', () => {
  it('qmail: "<address>:" and the remote words up to the blank line; the status from "(#5.1.1)"', async () => {
    expect(await reportOf('qmail-text.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'heidi@example.net', tag: 'b-12-352-1234abcd5678ef90', messageId: OUR_ID },
        status: '5.1.1',
        detail: '192.0.2.32 does not like recipient. Remote host said: 550 sorry, no mailbox here by that name. (#5.1.1) Giving up on 192.0.2.32.',
      }),
    ]);
  });

  it('Yahoo: no enhanced status at all, a 554 in the text makes it hard; attribution from the copied original', async () => {
    expect(await reportOf('yahoo-text.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'grace@yahoo.example', tag: 'b-12-351-c0ffee00c0ffee00', messageId: OUR_ID },
        status: undefined,
        detail: "554: delivery error: dd This user doesn't have a yahoo.example account (grace@yahoo.example) [0] - mta1234.mail.gq1.yahoo.example",
      }),
    ]);
  });

  it('Exim in text: the X-Failed-Recipients address and its indented lines; the copy after "------ This is a copy"', async () => {
    expect(await reportOf('exim-text.eml')).toEqual([
      event({
        kind: 'hard-bounce',
        about: { address: 'dave@example.org', tag: 'b-12-348-0f1e2d3c4b5a6978', messageId: OUR_ID },
        status: '5.1.1',
        detail:
          'SMTP error from remote mail server after RCPT TO:<dave@example.org>: host mx2.example.org [192.0.2.20]: 550 5.1.1 <dave@example.org>... User unknown',
      }),
    ]);
  });
});

describe('classifyReturnedMail: complaints (ARF)', () => {
  it('a Yahoo-style FBL with message/rfc822: one complaint, the original To, the tag of its Return-Path', async () => {
    expect(await reportOf('arf-yahoo.eml')).toEqual([
      event({
        kind: 'complaint',
        about: { address: 'peggy@yahoo.example', tag: 'b-12-355-8899aabbccddeeff', messageId: OUR_ID },
        detail: 'abuse report from Yahoo!-Mail-Feedback/2.0, source IP 192.0.2.10',
      }),
    ]);
  });

  it('an ARF with text/rfc822-headers only and a redacted recipient: no address, still the tag and Message-ID', async () => {
    expect(await reportOf('arf-headers-only.eml')).toEqual([
      event({
        kind: 'complaint',
        about: { address: undefined, tag: 'b-12-356-0123456789abcdef', messageId: OUR_ID },
        detail: 'abuse report from ExampleNet-FBL/1.0, source IP 192.0.2.10',
      }),
    ]);
  });

  it('Original-Rcpt-To names the complainer; Original-Mail-From gives the tag when the original has no Return-Path', async () => {
    const text = readFileSync(new URL('arf-headers-only.eml', DIR), 'latin1')
      .replace('Redacted-Address: redacted', 'Original-Rcpt-To: <Zed@example.net>\r\nOriginal-Mail-From: <bounces+b-9-9-00ff@example.com>')
      .replace(/Return-Path: <bounces\+[^>]+>\r\n/, '');
    expect((await reportOf2(text))[0]!.about).toEqual({ address: 'zed@example.net', tag: 'b-9-9-00ff', messageId: OUR_ID });
  });

  it('a DMARC failure report (auth-failure) is ignored; an unknown feedback type is not understood', async () => {
    const text = readFileSync(new URL('arf-yahoo.eml', DIR), 'latin1');
    expect(await classifyReturnedMail(Buffer.from(text.replace('Feedback-Type: abuse', 'Feedback-Type: auth-failure'), 'latin1'))).toMatchObject({
      kind: 'ignored',
      reason: 'feedback report of type auth-failure, not a complaint',
    });
    expect(await classifyReturnedMail(Buffer.from(text.replace('Feedback-Type: abuse', 'Feedback-Type: opt-out'), 'latin1'))).toMatchObject({
      kind: 'unknown',
      reason: 'feedback report of type "opt-out"',
    });
  });
});

async function reportOf2(text: string) {
  return events(await classifyReturnedMail(Buffer.from(text, 'latin1'))).map(({ key: _key, ...rest }) => rest);
}

describe('classifyReturnedMail: mailto unsubscribe requests', () => {
  it('the token in the subject, the From lowercased', async () => {
    expect(await classify('unsubscribe-subject.eml')).toEqual({
      kind: 'unsubscribe-request',
      tokens: [ADA_TOKEN],
      from: 'ada@example.org',
      key: keyOf(raw('unsubscribe-subject.eml')),
    });
  });

  it('the token only in a quoted-printable body split by a soft line break, "Re:" subject, a signature; not the quoted ?token= link', async () => {
    expect(await classify('unsubscribe-qp-body.eml')).toMatchObject({ kind: 'unsubscribe-request', tokens: [ADA_TOKEN], from: 'ada@example.org' });
  });

  it('an RFC 2047 subject whose token is split across two encoded words', async () => {
    expect(await classify('unsubscribe-rfc2047.eml')).toMatchObject({ kind: 'unsubscribe-request', tokens: [GRACE_TOKEN], from: 'grace.hopper@example.net' });
  });

  it('a mailto subject left percent-encoded still counts; two tokens are both kept, once each', async () => {
    const mail = [
      'From: ada@example.org',
      'To: bounces+unsubscribe@example.com',
      `Subject: unsubscribe%20${ADA_TOKEN}`,
      '',
      `unsubscribe ${GRACE_TOKEN} and again ${ADA_TOKEN}`,
      '',
    ].join('\r\n');
    expect(await classifyReturnedMail(Buffer.from(mail))).toMatchObject({ kind: 'unsubscribe-request', tokens: [ADA_TOKEN, GRACE_TOKEN] });
  });
});

describe('classifyReturnedMail: auto-replies and noise', () => {
  it('an Outlook out-of-office ("Automatic reply:") is ignored, even with a token in its text', async () => {
    expect(await classify('outlook-ooo.eml')).toEqual({
      kind: 'ignored',
      reason: 'auto-reply (subject "Automatic reply: Your weekly digest: 23 to 30 November")',
      key: keyOf(raw('outlook-ooo.eml')),
    });
  });

  it('a vacation reply with Auto-Submitted: auto-replied is ignored', async () => {
    expect(await classify('vacation-auto-submitted.eml')).toMatchObject({ kind: 'ignored', reason: 'auto-reply (Auto-Submitted: auto-replied)' });
  });

  it.each([
    ['X-Autoreply: yes', 'auto-reply (x-autoreply)'],
    ['X-Autorespond: Out of office', 'auto-reply (x-autorespond)'],
    ['Precedence: auto_reply', 'auto-reply (Precedence: auto_reply)'],
  ])('%s is an auto-reply', async (header, reason) => {
    const mail = ['From: zoe@example.org', 'To: bounces@example.com', header, 'Subject: Re: hello', '', `unsubscribe ${ADA_TOKEN}`, ''].join('\r\n');
    expect(await classifyReturnedMail(Buffer.from(mail))).toMatchObject({ kind: 'ignored', reason });
  });

  it('"Abwesenheitsnotiz" and "Out of Office" subjects are auto-replies', async () => {
    for (const subject of ['Abwesenheitsnotiz: Ihr Wochenüberblick', 'Out of Office: digest']) {
      const mail = `From: zoe@example.org\r\nSubject: =?UTF-8?Q?${encodeURIComponent(subject).replace(/%/g, '=')}?=\r\n\r\nBack soon.\r\n`;
      expect(await classifyReturnedMail(Buffer.from(mail))).toMatchObject({ kind: 'ignored' });
    }
  });

  it('a person replying to a digest (tokens only inside quoted links) is not understood', async () => {
    expect(await classify('person-reply.eml')).toEqual({
      kind: 'unknown',
      reason: 'neither a report, an auto-reply nor an unsubscribe request with a token',
      key: keyOf(raw('person-reply.eml')),
    });
  });

  it('spam with a token-like order id is not understood', async () => {
    expect(await classify('spam.eml')).toMatchObject({ kind: 'unknown' });
  });

  it('bytes that are not a message are not understood', async () => {
    expect(await classifyReturnedMail(Buffer.from('\r\n\r\n\u0000\u0001 garbage'))).toMatchObject({
      kind: 'unknown',
      reason: 'not a mail message: no header fields',
    });
    expect(await classifyReturnedMail(new Uint8Array())).toMatchObject({ kind: 'unknown' });
  });
});

describe('classifyReturnedMail: edge cases', () => {
  it('keys: the same bytes give the same keys; every fixture its own', async () => {
    const names = readdirSync(DIR).filter((n) => n.endsWith('.eml'));
    expect(names.length).toBeGreaterThanOrEqual(20);
    const keys = new Set<string>();
    for (const name of names) {
      const [a, b] = [await classify(name), await classify(name)];
      expect(b).toEqual(a);
      const own = a.kind === 'report' ? a.events.map((e) => e.key) : [a.key];
      for (const key of own) {
        expect(key.startsWith(keyOf(raw(name)))).toBe(true);
        expect(keys.has(key)).toBe(false);
        keys.add(key);
      }
    }
  });

  it('LF line endings classify like CRLF (under another key: other bytes)', async () => {
    for (const name of ['postfix-user-unknown.eml', 'qmail-text.eml', 'arf-yahoo.eml', 'unsubscribe-qp-body.eml']) {
      const lf = Buffer.from(raw(name).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      const [crlfMail, lfMail] = [await classifyReturnedMail(raw(name)), await classifyReturnedMail(lf)];
      const strip = (m: ReturnedMail) => JSON.parse(JSON.stringify(m, (k, v) => (k === 'key' ? undefined : v)));
      expect(strip(lfMail)).toEqual(strip(crlfMail));
      expect(JSON.stringify(lfMail)).not.toEqual(JSON.stringify(crlfMail));
    }
  });

  it('a report with no included original: the Message-ID from its own In-Reply-To, only when it holds one', async () => {
    const dsn = (extra: string) =>
      Buffer.from(
        [
          'From: MAILER-DAEMON@mx.example.org',
          'To: bounces@example.com',
          extra,
          'Subject: Undelivered Mail Returned to Sender',
          'Content-Type: multipart/report; report-type=delivery-status;',
          '\tboundary="b1"',
          '',
          '--b1',
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.org',
          '',
          'Final-Recipient: rfc822;',
          '  <Uma@Example.org>',
          'Action: failed',
          'Status: 5.1.1',
          '',
          '--b1--',
          '',
        ].join('\r\n'),
      );
    expect(events(await classifyReturnedMail(dsn(`In-Reply-To: ${OUR_ID}`)))[0]!.about).toEqual({
      address: 'uma@example.org',
      tag: undefined,
      messageId: OUR_ID,
    });
    expect(events(await classifyReturnedMail(dsn(`References: ${OUR_ID} <other@example.org>`)))[0]!.about.messageId).toBeUndefined();
    // No diagnostic and no text: no detail; a failed action without words is hard.
    expect(events(await classifyReturnedMail(dsn('X-Note: none')))[0]).toMatchObject({ kind: 'hard-bounce', detail: undefined, status: '5.1.1' });
  });

  it('a failed action with no status: hard, unless the words say full or temporary; a tag after the FIRST "+"', async () => {
    const dsn = (diagnostic: string, to = 'bounces+b-1-x=y.z@example.com') =>
      Buffer.from(
        [
          'From: postmaster@mx.example.org',
          `To: ${to}`,
          'Content-Type: multipart/report; report-type=delivery-status; boundary=b2',
          '',
          '--b2',
          'Content-Type: message/delivery-status',
          '',
          'Final-Recipient: rfc822; una@example.org',
          'Action: failed',
          `Diagnostic-Code: X-Local; ${diagnostic}`,
          '--b2--',
        ].join('\r\n'),
      );
    const [hard] = events(await classifyReturnedMail(dsn('no such user here')));
    expect(hard).toMatchObject({ kind: 'hard-bounce', status: undefined, detail: 'no such user here', about: { tag: 'b-1-x=y.z' } });
    // After the first "+", only tag characters: a second "+" is no tag of ours.
    expect(events(await classifyReturnedMail(dsn('no such user', 'bounces+b-1+x@example.com')))[0]!.about.tag).toBeUndefined();
    expect(events(await classifyReturnedMail(dsn('user is over quota')))[0]!.kind).toBe('soft-bounce');
    expect(events(await classifyReturnedMail(dsn('temporary local problem, try again later')))[0]!.kind).toBe('soft-bounce');
    expect(events(await classifyReturnedMail(dsn('451 local error in processing')))[0]!.kind).toBe('soft-bounce');
    expect(events(await classifyReturnedMail(dsn(`550 ${'x'.repeat(600)}`)))[0]!.detail).toHaveLength(500);
  });

  it('bounceKind: 5.x.x hard, x.2.2 and "mailbox full" soft, 4.x.x soft', () => {
    expect(bounceKind('5.1.1', 'user unknown')).toBe('hard-bounce');
    expect(bounceKind('5.2.2', '')).toBe('soft-bounce');
    expect(bounceKind('5.2.0', '552 Mailbox full')).toBe('soft-bounce');
    expect(bounceKind('5.7.1', 'blocked')).toBe('hard-bounce');
    expect(bounceKind('4.4.7', 'expired')).toBe('soft-bounce');
    expect(bounceKind(undefined, '550 unknown')).toBe('hard-bounce');
    expect(bounceKind(undefined, 'this is a permanent error')).toBe('hard-bounce');
  });

  it('a text bounce that is only a delay notice is ignored; one naming nobody is not understood', async () => {
    const text = (subject: string, body: string) => Buffer.from(`From: MAILER-DAEMON@mx.example.org\r\nSubject: ${subject}\r\n\r\n${body}\r\n`);
    expect(await classifyReturnedMail(text('Warning: message 1vQx2T-0003kd-2b delayed 24 hours', 'still trying <a@example.org>'))).toMatchObject({
      kind: 'ignored',
    });
    expect(await classifyReturnedMail(text('failure notice', 'Something went wrong.'))).toMatchObject({
      kind: 'unknown',
      reason: 'a delivery failure notice naming no failed recipient',
    });
  });
});
