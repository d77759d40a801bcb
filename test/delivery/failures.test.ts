// classifyFailure: retry (transient), give up on this recipient (permanent), or stop the run (fatal).
// First on errors shaped like nodemailer's, then on the errors nodemailer really raises against a sink.
import nodemailer from 'nodemailer';
import { describe, expect, it, onTestFinished } from 'vitest';
import { classifyFailure, refusalKey } from '../../src/delivery/failures.js';
import { refuse, startSmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';

/** An error the way nodemailer's SMTPConnection._formatError builds one. */
const smtpError = (o: { message?: string; code?: string; response?: string; command?: string }) => {
  const responseCode = Number(/^\d+/.exec(o.response ?? '')?.[0]) || undefined;
  return Object.assign(new Error(o.message ?? 'failed'), { ...o, ...(responseCode ? { responseCode } : {}) });
};

describe('classifyFailure', () => {
  it('retries a 4xx reply', () => {
    for (const [command, response] of [
      ['RCPT TO', '451 4.7.1 Greylisted, try again later'],
      ['MAIL FROM', '452 4.3.1 Insufficient system storage'],
      ['DATA', '421 4.4.2 Closing connection'],
    ] as const) {
      expect(classifyFailure(smtpError({ code: 'EENVELOPE', command, response }))).toEqual({
        kind: 'transient',
        reason: response,
        isAddressRefused: false,
      });
    }
  });

  it('gives up on a recipient the server refused with 5xx to RCPT TO, and marks them refused', () => {
    const failure = classifyFailure(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', response: '550 5.1.1 <nobody@example.org>: user unknown' }));
    expect(failure).toEqual({ kind: 'permanent', reason: '550 5.1.1 <nobody@example.org>: user unknown', isAddressRefused: true });
  });

  it('stops the run when the server refuses the sender (5xx to MAIL FROM): no recipient is to blame', () => {
    const failure = classifyFailure(smtpError({ code: 'EENVELOPE', command: 'MAIL FROM', response: '553 5.7.1 Sender address rejected' }));
    expect(failure).toMatchObject({ kind: 'fatal', isAddressRefused: false });
  });

  it('stops the run on authentication and configuration errors, whatever the reply code', () => {
    expect(classifyFailure(smtpError({ code: 'EAUTH', command: 'AUTH PLAIN', response: '535 5.7.8 Authentication credentials invalid' }))).toMatchObject({
      kind: 'fatal',
      isAddressRefused: false,
    });
    expect(classifyFailure(smtpError({ code: 'EAUTH', command: 'API', message: 'Missing credentials for "PLAIN"' }))).toMatchObject({ kind: 'fatal' });
    expect(classifyFailure(smtpError({ code: 'ETLS', command: 'CONN', message: 'Error initiating TLS' }))).toMatchObject({ kind: 'fatal' });
  });

  it('stops the run, and blames no recipient, when the server refuses the whole session with 5xx', () => {
    // A 554 greeting ("your IP is blocklisted") or a 5xx to EHLO would otherwise bounce every subscriber in turn.
    for (const [code, command, response] of [
      ['EPROTOCOL', 'CONN', '554 5.7.1 Service unavailable; client host blocked'],
      ['EPROTOCOL', 'HELO', '550 Invalid HELO'],
      ['ECONNECTION', 'EHLO', '554 Server terminates connection'],
      ['EPROTOCOL', 'RSET', '500 Could not reset'],
    ] as const) {
      expect(classifyFailure(smtpError({ code, command, response }))).toMatchObject({ kind: 'fatal', isAddressRefused: false });
    }
  });

  it('retries dropped connections and timeouts, and knows the ones that are about the server, not a message', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNRESET', 'ECONNREFUSED']) {
      expect(classifyFailure(smtpError({ code, command: 'CONN', message: 'Connection closed unexpectedly' }))).toEqual({
        kind: 'transient',
        reason: 'Connection closed unexpectedly',
        isAddressRefused: false,
        isConnectionLevel: true,
      });
    }
    // A 421 greeting is the server's; a 451 to RCPT TO is about one message (greylisting).
    expect(classifyFailure(smtpError({ code: 'EPROTOCOL', command: 'CONN', response: '421 4.3.2 Service not available' }))).toMatchObject({
      isConnectionLevel: true,
    });
    expect(classifyFailure(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', response: '451 4.7.1 Greylisted' })).isConnectionLevel).toBeUndefined();
  });

  it('bounces a subscriber only for refusals about the address, never for policy, relay or content ones', () => {
    const rcpt = (response: string) => classifyFailure(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', response }));
    for (const response of [
      '550 5.1.1 <a@example.org>: user unknown',
      '552 5.2.1 Mailbox disabled',
      '550 No such user here',
      '551 User not local',
      '553 Mailbox name not allowed',
      '554 <a@example.org>: Recipient address rejected: user unknown',
    ]) {
      expect(rcpt(response), response).toMatchObject({ kind: 'permanent', isAddressRefused: true });
    }
    for (const response of [
      '554 5.7.1 <a@example.org>: Relay access denied',
      '550 5.7.1 Message rejected as spam',
      '554 5.3.4 Message too big for system',
      '550 5.4.1 Recipient address rejected: Access denied',
      '554 Transaction failed',
    ]) {
      expect(rcpt(response), response).toMatchObject({ kind: 'permanent', isAddressRefused: false });
    }
  });

  it('sees the same refusal for different addresses as one (the key leaves addresses and ids out)', () => {
    expect(refusalKey('554 5.7.1 <ada@example.org>: Relay access denied')).toBe(refusalKey('554 5.7.1 <bob@example.net>: Relay access denied'));
    expect(refusalKey('550 5.1.1 ada@example.org unknown')).toBe(refusalKey('550 5.1.1 grace@example.com unknown'));
    expect(refusalKey('554 5.7.1 Relay access denied')).not.toBe(refusalKey('552 5.2.2 Mailbox full'));
  });

  it('retries what it does not recognise: resending is safe, dropping a subscriber is not', () => {
    expect(classifyFailure(new Error('socket hang up'))).toMatchObject({ kind: 'transient', isAddressRefused: false });
    expect(classifyFailure(Object.assign(new Error('odd'), { code: 'ESOMETHINGNEW' }))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(undefined)).toMatchObject({ kind: 'transient' });
    expect(classifyFailure('a string')).toMatchObject({ kind: 'transient', reason: 'a string' });
  });

  it('keeps the reason on one line, and short', () => {
    const failure = classifyFailure(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', response: `451-4.7.1 first line\r\n451 4.7.1 ${'x'.repeat(2000)}` }));
    expect(failure.reason).not.toMatch(/[\r\n]/);
    expect(failure.reason.length).toBeLessThanOrEqual(500);
  });
});

describe('classifyFailure on what nodemailer raises against a real SMTP server', () => {
  async function failureFrom(sink: SmtpSinkOptions, to = 'someone@example.org') {
    const server = await startSmtpSink(sink);
    const transport = nodemailer.createTransport({ url: server.url, connectionTimeout: 2000 } as Parameters<typeof nodemailer.createTransport>[0]);
    onTestFinished(async () => {
      transport.close();
      await server.close();
    });
    const err = await transport.sendMail({ envelope: { from: 'digest@news.example.com', to: [to] }, raw: 'Subject: hi\r\n\r\nhello\r\n' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    return classifyFailure(err);
  }

  it('451 to RCPT TO is transient', async () => {
    expect(await failureFrom({ rcpt: refuse({ 'someone@example.org': { code: 451 } }) })).toMatchObject({ kind: 'transient', isAddressRefused: false });
  });

  it('550 to RCPT TO is permanent and refuses the recipient', async () => {
    expect(await failureFrom({ rcpt: refuse({ 'someone@example.org': { code: 550 } }) })).toMatchObject({ kind: 'permanent', isAddressRefused: true });
  });

  it('a 554 greeting is fatal and refuses nobody', async () => {
    expect(await failureFrom({ connect: () => ({ code: 554, message: 'Service unavailable; client host blocked' }) })).toMatchObject({
      kind: 'fatal',
      isAddressRefused: false,
    });
  });

  it('a connection dropped during DATA is transient', async () => {
    expect(await failureFrom({ dropDuringData: 1 })).toMatchObject({ kind: 'transient', isAddressRefused: false });
  });
});

describe('classifyFailure: 5xx to DATA', () => {
  it('fails the message without bouncing the subscriber when the content was refused', () => {
    const f = classifyFailure(Object.assign(new Error('rejected'), { responseCode: 554, command: 'DATA', response: '554 5.7.1 Message rejected as spam' }));
    expect(f).toMatchObject({ kind: 'permanent', isAddressRefused: false });
  });

  it('bounces the subscriber when DATA was refused for a bad destination (5.1.x)', () => {
    const f = classifyFailure(Object.assign(new Error('rejected'), { responseCode: 550, command: 'DATA', response: '550 5.1.1 User unknown' }));
    expect(f).toMatchObject({ kind: 'permanent', isAddressRefused: true });
  });
});
