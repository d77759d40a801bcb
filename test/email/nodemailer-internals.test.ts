// The encodings taken from nodemailer's internal modules: their exact output today (a nodemailer upgrade
// that changes one fails here, naming it), that it still decodes to the input, and that the body
// encoding is the one nodemailer's public composer writes.
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { encodeDisplayName, encodeQuotedPrintable, encodeSubject } from '../../src/email/nodemailer-internals.js';

/** The body nodemailer's public API writes for a one-part quoted-printable text message. */
async function publicQuotedPrintable(text: string): Promise<string> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const { message } = await transport.sendMail({ text: { content: text, contentTransferEncoding: 'quoted-printable' } });
  const raw = (message as Buffer).toString('utf8');
  return raw.slice(raw.indexOf('\r\n\r\n') + 4);
}

const headerOf = async (header: string) => simpleParser(Buffer.from(`${header}\r\nFrom: a@example.org\r\n\r\nbody\r\n`));

describe('encodeQuotedPrintable (lib/qp encode + wrap)', () => {
  it('writes what it wrote when the builder was made', () => {
    expect(encodeQuotedPrintable('Grüße = Grüsse')).toBe('Gr=C3=BC=C3=9Fe =3D Gr=C3=BCsse');
    expect(encodeQuotedPrintable('a'.repeat(100))).toBe(`${'a'.repeat(75)}=\r\n${'a'.repeat(25)}`);
    expect(encodeQuotedPrintable('end \nnext\n')).toBe('end=20\r\nnext\r\n');
    expect(encodeQuotedPrintable('x\r\ny')).toBe('x\r\ny');
  });

  it('is the encoding nodemailer’s public API gives a quoted-printable text part', async () => {
    const bodies = [
      `Grüße aus Köln\n${'lang '.repeat(40)}\nend\n`,
      'plain ascii = sign\n',
      `<p>東京の図書館 — ${'<a href="https://news.example.com/posts/a/?x=1&y=2">link</a> '.repeat(5)}</p>\n`,
    ];
    for (const body of bodies) expect(await publicQuotedPrintable(body)).toBe(encodeQuotedPrintable(body));
  });
});

describe('encodeSubject (lib/mime-funcs encodeWords + foldLines)', () => {
  it('writes what it wrote when the builder was made', () => {
    expect(encodeSubject('Weekly digest')).toBe('Weekly digest');
    expect(encodeSubject('Zoë, your digest')).toBe('=?UTF-8?Q?Zo=C3=AB=2C?= your digest');
    expect(encodeSubject('Zoë, your digest: 東京の図書館 and a long tail of words here')).toBe(
      '=?UTF-8?Q?Zo=C3=AB=2C_your_digest=3A_=E6=9D=B1?=\r\n =?UTF-8?Q?=E4=BA=AC=E3=81=AE=E5=9B=B3=E6=9B=B8?= =?UTF-8?Q?=E9=A4=A8?= and\r\n a long tail of words here',
    );
  });

  it('decodes back to the subject', async () => {
    for (const subject of ['Zoë, your digest: 東京の図書館 and a long tail of words here', `Ça bouge : ${'mot '.repeat(30)}📚`]) {
      expect((await headerOf(`Subject: ${encodeSubject(subject)}`)).subject).toBe(subject.trim());
    }
  });
});

describe('encodeDisplayName (lib/mime-funcs encodeWord)', () => {
  it('writes what it wrote when the builder was made', () => {
    expect(encodeDisplayName('Zoë Ünal')).toBe('=?UTF-8?Q?Zo=C3=AB_=C3=9Cnal?=');
  });

  it('decodes back to the name', async () => {
    for (const name of ['Zoë Ünal', '東京 図書館 "quoted", with a comma']) {
      const parsed = await simpleParser(Buffer.from(`To: ${encodeDisplayName(name)} <z@example.org>\r\n\r\nbody\r\n`));
      const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
      expect(to?.value).toEqual([{ name, address: 'z@example.org' }]);
    }
  });
});
