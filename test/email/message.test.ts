// buildMessage: the raw RFC 5322 bytes, parsed back with mailparser as a receiving system would.
import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { buildMessage, fillMessage, messageIdFor, prepareMessage, subscriberLinks, type MessageRecipient } from '../../src/email/message.js';
import type { PersonalizedEmail } from '../../src/email/render.js';

const KEY = 'k'.repeat(64);
const DATE = new Date('2026-11-29T12:00:00Z');
const INJECTION = 'Bcc: victim@example.com';

const settings = (o: { siteTitle?: string; fromName?: string } = {}) =>
  parseConfig({
    site: { title: o.siteTitle ?? 'The Test Times', url: 'https://news.example.com/' },
    email: { from: { ...(o.fromName === undefined ? {} : { name: o.fromName }), address: 'digest@news.example.com' } },
  });

type EmailInput = Partial<PersonalizedEmail & { digestId: string }>;

const email = (o: EmailInput = {}) => ({
  digestId: '2026-11-23..2026-11-30',
  subject: 'The Test Times: 3 new posts',
  html: '<!doctype html>\n<html>\n<body>\n<p>Hello Ada,</p>\n<p><a href="https://news.example.com/posts/a/">A post</a></p>\n</body>\n</html>\n',
  text: 'Hello Ada,\n\nA post\nhttps://news.example.com/posts/a/\n',
  ...o,
});

async function build(o: { email?: EmailInput; to?: MessageRecipient; siteTitle?: string; fromName?: string; mailbox?: string } = {}) {
  const config = settings(o);
  const to = o.to ?? { email: 'ada@example.org', name: 'Ada Lovelace' };
  const links = subscriberLinks(to.email, KEY, config, o.mailbox);
  const message = await buildMessage(email(o.email), to, links, DATE, config);
  const parsed = await simpleParser(message.raw);
  return { message, parsed, links, raw: message.raw.toString('latin1') };
}

/** The header block, each header unfolded onto one line. */
const headerLines = (raw: string) =>
  raw
    .slice(0, raw.indexOf('\r\n\r\n'))
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n');
const headerValues = (raw: string, name: string) =>
  headerLines(raw)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
const addresses = (field: ParsedMail['from'] | ParsedMail['to']) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => ({ name: v.name, address: v.address })));

describe('buildMessage', () => {
  it('holds both parts and the From, To, Subject and Date headers', async () => {
    const { parsed } = await build({ fromName: 'The Desk' });
    expect(parsed.text).toBe(email().text);
    expect(parsed.html).toBe(email().html);
    expect(addresses(parsed.from)).toEqual([{ name: 'The Desk', address: 'digest@news.example.com' }]);
    expect(addresses(parsed.to)).toEqual([{ name: 'Ada Lovelace', address: 'ada@example.org' }]);
    expect(parsed.subject).toBe('The Test Times: 3 new posts');
    expect(parsed.date?.toISOString()).toBe(DATE.toISOString());
  });

  it('uses the site title as the sender name when email.from has none', async () => {
    const { parsed } = await build({ siteTitle: 'Site Name' });
    expect(addresses(parsed.from)).toEqual([{ name: 'Site Name', address: 'digest@news.example.com' }]);
  });

  it('gives a Message-ID at the sender domain', async () => {
    const { parsed, message } = await build();
    expect(parsed.messageId).toBe(message.messageId);
    expect(message.messageId).toMatch(/^<[^<>@\s]+@news\.example\.com>$/);
  });

  it('gives a campaign message a Message-ID that is the same on a resend and that nobody without the key can work out', () => {
    const config = settings({});
    const id = messageIdFor('c3-2026-11-23..2026-11-30', 'ada@example.org', config, KEY);
    expect(messageIdFor('c3-2026-11-23..2026-11-30', 'ada@example.org', config, KEY)).toBe(id);
    expect(id).toMatch(/^<digest-c3-2026-11-23-2026-11-30\.[0-9a-f]{24}@news\.example\.com>$/);
    // Another key, another address, another campaign: another id. A bounce or complaint quoting one is believed, so it must not be guessable.
    expect(messageIdFor('c3-2026-11-23..2026-11-30', 'ada@example.org', config, `${KEY}x`)).not.toBe(id);
    expect(messageIdFor('c3-2026-11-23..2026-11-30', 'bob@example.org', config, KEY)).not.toBe(id);
    expect(messageIdFor('c4-2026-11-23..2026-11-30', 'ada@example.org', config, KEY)).not.toBe(id);
  });

  it('sends one List-Unsubscribe header with the https URL alone when no mailbox reads mailto requests', async () => {
    const { raw, links } = await build();
    expect(links.unsubscribeMailto).toBeUndefined();
    expect(headerValues(raw, 'List-Unsubscribe')).toEqual([`<${links.unsubscribeUrl}>`]);
  });

  it('sends one List-Unsubscribe header with an https URL and a mailto, plus one-click and List-Id', async () => {
    const { raw, links } = await build({ mailbox: 'bounces+unsubscribe@news.example.com' });
    const unsubscribe = headerValues(raw, 'List-Unsubscribe');
    expect(unsubscribe).toHaveLength(1);
    expect(unsubscribe[0]).toBe(`<${links.unsubscribeUrl}>, <${links.unsubscribeMailto}>`);
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/news\.example\.com\/unsubscribe\?token=/);
    expect(links.unsubscribeMailto).toMatch(/^mailto:bounces\+unsubscribe@news\.example\.com\?subject=unsubscribe%20/);
    expect(headerValues(raw, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
    expect(headerValues(raw, 'List-Id')).toEqual(['The Test Times <digest.news.example.com>']);
  });

  it('ends every line with CRLF, in the headers and in both parts', async () => {
    const { message } = await build({ email: { text: 'one\ntwo\r\nthree\n', html: '<p>one</p>\n<p>two</p>\n' } });
    const raw = message.raw.toString('latin1');
    expect(raw).toContain('\r\n');
    expect(raw.match(/(?<!\r)\n/g)).toBeNull();
    expect(raw.match(/\r(?!\n)/g)).toBeNull();
  });

  it('cannot be given a header through a line break in the subject, the name or the site title', async () => {
    const { parsed, raw } = await build({
      email: { subject: `Weekly digest\r\n${INJECTION}` },
      to: { email: 'ada@example.org', name: `Ada\n${INJECTION}` },
      siteTitle: `The Times\r\n${INJECTION}`,
    });
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(raw).not.toMatch(/^bcc:/im);
    expect(parsed.subject).toBe(`Weekly digest ${INJECTION}`);
    expect(addresses(parsed.to)).toEqual([{ name: `Ada ${INJECTION}`, address: 'ada@example.org' }]);
    expect(addresses(parsed.from)).toEqual([{ name: `The Times ${INJECTION}`, address: 'digest@news.example.com' }]);
    expect(headerLines(raw).filter((l) => /^list-id:/i.test(l))).toHaveLength(1);
  });

  it('round-trips a non-ASCII subject and recipient name', async () => {
    const subject = 'Ça bouge : 東京の図書館、معرض الخط العربي 📚 — naïve “quotes”';
    const { parsed, raw } = await build({ email: { subject }, to: { email: 'zoe@example.org', name: 'Zoë Ünal' } });
    expect(parsed.subject).toBe(subject);
    expect(addresses(parsed.to)).toEqual([{ name: 'Zoë Ünal', address: 'zoe@example.org' }]);
    // Headers stay 7-bit: the non-ASCII text is MIME-encoded.
    expect(headerLines(raw).join('\n')).toMatch(/^[\x20-\x7e\n\t]*$/);
  });

  it('gives the same Message-ID to the same digest and subscriber, and another to another subscriber', async () => {
    const first = await build();
    const again = await build({ email: { subject: 'Another subject' } });
    const other = await build({ to: { email: 'grace@example.org' } });
    const otherDigest = await build({ email: { digestId: '2026-11-30..2026-12-07' } });
    expect(again.message.messageId).toBe(first.message.messageId);
    expect(other.message.messageId).not.toBe(first.message.messageId);
    expect(otherDigest.message.messageId).not.toBe(first.message.messageId);
    expect(headerValues(again.raw, 'Message-ID')).toEqual([first.message.messageId]);
  });

  it('addresses the envelope to the subscriber alone, from the sender', async () => {
    const { message } = await build();
    expect(message.envelope).toEqual({ from: 'digest@news.example.com', to: ['ada@example.org'] });
  });
});

describe('prepareMessage + fillMessage', () => {
  const NAME = 'BSPHtestNAMEX';
  const source = {
    subject: `${NAME}, your digest`,
    html: `<p>Hello ${NAME},</p>\n`,
    text: `Hello ${NAME},\n`,
    placeholders: { name: NAME },
  };

  async function filled(name: string) {
    const config = settings();
    const template = await prepareMessage(source, { list: false, date: DATE, config });
    const message = fillMessage(template, {
      to: { email: 'zoe@example.org', name },
      messageId: '<m1@news.example.com>',
      values: { name, email: 'zoe@example.org', unsubscribeUrl: '', preferencesUrl: '' },
    });
    return { raw: message.raw.toString('latin1'), parsed: await simpleParser(message.raw) };
  }

  it('labels both parts quoted-printable, as the bodies filled in are', async () => {
    const { raw } = await filled('Ada');
    expect(raw.match(/^Content-Transfer-Encoding: quoted-printable$/gm)).toHaveLength(2);
    expect(raw).not.toMatch(/^Content-Transfer-Encoding: 7bit/m);
  });

  it('puts each subscriber’s own name in the subject and both parts, non-ASCII included', async () => {
    for (const name of ['Ada', 'Zoë Ünal', '東京 図書館']) {
      const { parsed, raw } = await filled(name);
      expect(parsed.subject).toBe(`${name}, your digest`);
      expect(parsed.text).toBe(`Hello ${name},\n`);
      expect(parsed.html).toBe(`<p>Hello ${name},</p>\n`);
      expect(headerLines(raw).join('\n')).toMatch(/^[\x20-\x7e\n\t]*$/);
    }
  });
});
