// The mailers: the outbox folder (one .eml per message, written atomically, named from the
// Message-ID) and the pooled SMTP mailer against a real server on loopback.
import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createOutboxMailer, createSmtpMailer, type OutgoingMessage } from '../../src/delivery/mailer.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';

const message = (messageId: string, to = 'ada@example.org'): OutgoingMessage => ({
  messageId,
  raw: Buffer.from(`Message-ID: ${messageId}\r\nFrom: digest@news.example.com\r\nTo: ${to}\r\nSubject: Hello\r\n\r\nHello ${to}\r\n`),
  envelope: { from: 'digest@news.example.com', to: [to] },
});

describe('createOutboxMailer', () => {
  it('writes one .eml per message, named from its Message-ID, with exactly the message bytes', async () => {
    const root = await tempDir('mailer');
    const outbox = path.join(root, 'data', 'outbox');
    const mailer = createOutboxMailer(outbox);
    const messages = Array.from({ length: 12 }, (_, i) => message(`<digest-2026-11-22-2026-11-29.${i}abc@news.example.com>`, `reader${i}@example.org`));

    const results = await Promise.all(messages.map((m) => mailer.send(m)));

    const files = (await readdir(outbox)).sort();
    expect(files).toEqual(messages.map((_, i) => `digest-2026-11-22-2026-11-29.${i}abc@news.example.com.eml`).sort());
    for (const m of messages) {
      const file = path.join(outbox, `${m.messageId.slice(1, -1)}.eml`);
      expect(await readFile(file)).toEqual(m.raw);
    }
    for (const [i, r] of results.entries()) expect(r.response).toContain(path.join(outbox, `${messages[i]!.messageId.slice(1, -1)}.eml`));
    expect(mailer.maxInFlight).toBe(1);
    expect(mailer.description).toContain(outbox);
    await mailer.close();
  });

  it('leaves no temporary files behind', async () => {
    const outbox = await tempDir('mailer');
    const mailer = createOutboxMailer(outbox);
    await Promise.all(Array.from({ length: 20 }, (_, i) => mailer.send(message(`<m${i}@news.example.com>`))));

    const files = await readdir(outbox);
    expect(files).toHaveLength(20);
    for (const file of files) expect(file).toMatch(/^m\d+@news\.example\.com\.eml$/);
  });

  it('replaces a resend of the same Message-ID instead of adding a second copy', async () => {
    const outbox = await tempDir('mailer');
    const mailer = createOutboxMailer(outbox);
    await mailer.send(message('<same@news.example.com>'));
    const again = message('<same@news.example.com>');
    again.raw = Buffer.concat([again.raw, Buffer.from('resent\r\n')]);
    await mailer.send(again);

    expect(await readdir(outbox)).toEqual(['same@news.example.com.eml']);
    expect(await readFile(path.join(outbox, 'same@news.example.com.eml'))).toEqual(again.raw);
  });

  it('keeps a hostile Message-ID inside the outbox folder', async () => {
    const root = await tempDir('mailer');
    const outbox = path.join(root, 'outbox');
    const mailer = createOutboxMailer(outbox);
    await mailer.send(message('<../../escape/x y@news.example.com>'));

    expect(await readdir(root)).toEqual(['outbox']);
    const [file] = await readdir(outbox);
    expect(file).toMatch(/\.eml$/);
    expect(file).not.toMatch(/[/\\\s]/);
  });
});

describe('createSmtpMailer', () => {
  it('resolves with the server’s own reply once it accepted the message', async () => {
    const sink = await startSmtpSink();
    const mailer = createSmtpMailer(sink.url, { maxConnections: 2 });
    onTestFinished(async () => {
      await mailer.close();
      await sink.close();
    });

    const { response } = await mailer.send(message('<one@news.example.com>'));

    expect(response).toMatch(/^250 .*queued as 1/);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.raw.toString()).toContain('Hello ada@example.org');
    expect(sink.messages[0]!.envelope).toEqual({ from: 'digest@news.example.com', rcpt: ['ada@example.org'] });
    expect(mailer.maxInFlight).toBe(2);
  });

  it('DKIM-signs what it sends when a key is configured, streamed chunks included', async () => {
    const sink = await startSmtpSink();
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const mailer = createSmtpMailer(sink.url, { maxConnections: 1, dkim: { domainName: 'news.example.com', keySelector: 'bs2026', privateKey } });
    onTestFinished(async () => {
      await mailer.close();
      await sink.close();
    });
    const plain = message('<signed@news.example.com>');
    // The sender hands over the message in pieces (see email/message.ts): they must be signed too.
    await mailer.send({ ...plain, chunks: [plain.raw.subarray(0, 40), plain.raw.subarray(40)] });
    const signature = sink.messages[0]!.parsed.headers.get('dkim-signature') as unknown as { value: string; params: Record<string, string> } | string;
    const text =
      typeof signature === 'string'
        ? signature
        : `${signature.value}; ${Object.entries(signature.params)
            .map(([k, v]) => `${k}=${v}`)
            .join('; ')}`;
    expect(text).toMatch(/d=news\.example\.com/);
    expect(text).toMatch(/s=bs2026/);
    expect(text).toMatch(/a=rsa-sha256/);
    expect(sink.messages[0]!.raw.toString()).toContain('Hello ada@example.org');
  });

  it('gives up on a server that stalls mid-message after the configured timeout, not minutes later', async () => {
    // The server takes the message and then says nothing for 30 s.
    const sink = await startSmtpSink({ dataDelayMs: 30_000 });
    onTestFinished(() => sink.close());
    const mailer = createSmtpMailer(sink.url, { maxConnections: 1, timeoutMs: 1_000 });
    onTestFinished(() => mailer.close());
    const started = Date.now();
    await expect(mailer.send(message('<stall@news.example.com>'))).rejects.toMatchObject({ code: expect.stringMatching(/ETIMEDOUT|ESOCKET|ECONNECTION/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('never shows the credentials in its description', () => {
    const mailer = createSmtpMailer('smtp://user:s3cret@mail.example.com:587', { maxConnections: 5 });
    expect(mailer.description).toBe('smtp://mail.example.com:587 (pool of 5)');
    expect(mailer.description).not.toContain('s3cret');
    void mailer.close();
  });
});
