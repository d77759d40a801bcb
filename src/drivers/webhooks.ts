// POST /webhooks/ses|postmark|mailgun|sendgrid: a sending service's bounces and complaints. Each route is
// on only when its service is configured; the body is read as raw bytes (signatures cover bytes), verified
// by its reader (bounces/webhooks/), and its events go to one core call. A rejected call has no effect.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { mailgunReplayGuard, readMailgunWebhook } from '../bounces/webhooks/mailgun.js';
import { readPostmarkWebhook } from '../bounces/webhooks/postmark.js';
import { readSendgridWebhook, sendgridPublicKey } from '../bounces/webhooks/sendgrid.js';
import { readSesWebhook } from '../bounces/webhooks/ses.js';
import { MAX_WEBHOOK_BODY_BYTES, type WebhookOutcome, type WebhookRequest } from '../bounces/webhooks/common.js';
import type { Returns } from '../core/types.js';
import type { Logger } from '../log.js';

/** Which services' webhooks are on, with what each verifies against (config `bounces.*` and the secrets). */
export interface WebhookSettings {
  ses?: { topicArns: readonly string[] } | undefined;
  postmark?: { username: string; password: string } | undefined;
  mailgun?: { signingKey: string } | undefined;
  sendgrid?: { publicKey: string } | undefined;
  /** GET for the SNS signing certificate and the subscription handshake; default: global fetch. */
  fetch?: typeof fetch;
  now?: () => Date;
  /** Where rejected calls and SNS handshakes are logged (the server's own logger is off). */
  log?: Logger;
}

export const WEBHOOK_SERVICES = ['ses', 'postmark', 'mailgun', 'sendgrid'] as const;

/** Registers the routes of the configured services, in their own scope (raw bodies, a larger limit). */
export async function registerWebhooks(app: FastifyInstance, core: Pick<Returns, 'recordReturned'>, settings: WebhookSettings): Promise<void> {
  const get = settings.fetch ?? fetch;
  const now = settings.now ?? (() => new Date());
  // A SendGrid key that is not a P-256 public key is a configuration mistake: found at start, not at the first call.
  const sendgridKey = settings.sendgrid ? sendgridPublicKey(settings.sendgrid.publicKey) : undefined;
  const certificates = new Map<string, Promise<string>>();
  const certificate = (url: string) => {
    let pem = certificates.get(url);
    if (!pem) {
      // No redirect followed: the reader checked this URL, not wherever it might redirect to.
      pem = get(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) }).then(async (response) => {
        if (!response.ok) throw new Error(`${response.status} for the SNS certificate`);
        const text = await response.text();
        if (text.length > 64 * 1024) throw new Error('an SNS certificate of over 64 KB');
        return text;
      });
      // A failed fetch is not kept: the service retries, and the next call fetches again.
      pem.catch(() => certificates.delete(url));
      certificates.set(url, pem);
    }
    return pem;
  };
  const mailgunGuard = mailgunReplayGuard(now);

  const readers: Partial<Record<(typeof WEBHOOK_SERVICES)[number], (req: WebhookRequest) => WebhookOutcome | Promise<WebhookOutcome>>> = {
    ...(settings.ses ? { ses: (req: WebhookRequest) => readSesWebhook(req, { topicArns: settings.ses!.topicArns, certificate, now: now() }) } : {}),
    ...(settings.postmark ? { postmark: (req: WebhookRequest) => readPostmarkWebhook(req, settings.postmark!) } : {}),
    ...(settings.mailgun
      ? {
          mailgun: (req: WebhookRequest): WebhookOutcome => mailgunGuard(readMailgunWebhook(req, { signingKey: settings.mailgun!.signingKey, now: now() })),
        }
      : {}),
    ...(sendgridKey ? { sendgrid: (req: WebhookRequest) => readSendgridWebhook(req, { publicKey: sendgridKey, now: now() }) } : {}),
  };
  if (Object.keys(readers).length === 0) return;

  await app.register(async (scope) => {
    // Every body is bytes here, whatever its type (SNS posts JSON as text/plain).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BODY_BYTES }, (_request, body, done) => done(null, body));
    for (const [service, read] of Object.entries(readers)) {
      scope.post(`/webhooks/${service}`, { bodyLimit: MAX_WEBHOOK_BODY_BYTES }, async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const outcome = await read({ headers: request.headers, body });
        if (!outcome.ok) {
          settings.log?.warn({ service, status: outcome.status, reason: outcome.reason, ip: request.ip }, 'webhook call rejected');
          if (outcome.status === 401 && service === 'postmark') reply.header('www-authenticate', 'Basic realm="webhooks"');
          return answer(reply, outcome.status, { error: outcome.reason });
        }
        if ('confirm' in outcome) {
          // SNS's handshake: the subscription starts once its (verified) confirmation link is fetched.
          const response = await get(outcome.confirm.subscribeUrl, { redirect: 'error', signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          if (!response?.ok) return answer(reply, 503, { error: 'could not confirm the SNS subscription: SNS will send the confirmation again' });
          settings.log?.info({ service }, 'SNS subscription confirmed');
          return answer(reply, 200, { confirmed: true });
        }
        const report = await core.recordReturned(outcome.events);
        return answer(reply, 200, { events: outcome.events.length, ...report });
      });
    }
  });
}

function answer(reply: FastifyReply, status: number, body: Record<string, unknown>) {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}
