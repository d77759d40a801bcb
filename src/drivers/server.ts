// The HTTP server (Fastify): feeds for readers, subscribe / confirm / unsubscribe / preferences, and
// the publisher's preview. Routes translate HTTP to one core call each; no business logic here.
import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Core } from '../core.js';
import { parseWindowBound } from '../digest/build.js';
import { AppError } from '../errors.js';
import { renderMessagePage, renderPreferencesPage, renderPreviewPage, type MessagePage, type Pages } from '../web/pages.js';

export interface ServerOptions {
  outDir: string;
  /** When set, /preview also answers non-loopback clients that present ?token=<this>. */
  previewToken?: string | undefined;
  logger?: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml; charset=utf-8', // refined per file below
  '.json': 'application/feed+json; charset=utf-8',
  '.opml': 'text/x-opml; charset=utf-8',
  '.xsl': 'text/xsl; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};
const STATUS_BY_CODE: Record<string, number> = { INPUT_INVALID: 400, CONTENT_INVALID: 500, TEMPLATE_INVALID: 500 };
const NOT_VALID = 'This link is not valid: it may have been altered, or it has expired. Use the link from your most recent email.';

type Query = { token?: string; since?: string; until?: string };
type Body = Record<string, string | string[] | undefined> | undefined;

export async function createServer(core: Core, pages: Pages, config: Readonly<Config>, options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false, bodyLimit: 16 * 1024, trustProxy: config.server.trustProxy,
    // One string per name (the last one wins): a repeated ?token=a&token=b would reach the core as an
    // array and fail as a 500 instead of "this link is not valid".
    routerOptions: { querystringParser: (query) => Object.fromEntries(new URLSearchParams(query)) },
  });
  const page = async (reply: FastifyReply, status: number, view: MessagePage) =>
    reply.code(status).type('text/html; charset=utf-8').send(await renderMessagePage(pages, view, config));

  await app.register(fastifyCompress, { threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(fastifyFormbody);
  // RFC 8058 lets mail clients send the one-click POST as multipart/form-data; no route reads such a
  // body (the token is in the URL), so it is accepted (size-limited) and ignored instead of answered 415.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, _body, done) => done(null, {}));
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyStatic, {
    root: path.resolve(options.outDir),
    etag: true,
    lastModified: true,
    cacheControl: false,
    setHeaders(res, file) {
      const ext = path.extname(file);
      const base = path.basename(file);
      const type = base === 'atom.xml' ? 'application/atom+xml; charset=utf-8' : CONTENT_TYPES[ext];
      if (type) res.header('Content-Type', type);
      // Feed readers poll: let them revalidate every few minutes, with cheap 304s in between.
      res.header('Cache-Control', ext === '.html' ? 'no-cache' : 'public, max-age=300');
      if (base === 'feed.xml' || base === 'atom.xml') res.header('Vary', 'Accept');
    },
  });

  // Browsers (Accept: text/html first) get the feed's HTML rendition: many no longer run XSLT.
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url.split('?')[0]!;
    if ((request.method === 'GET' || request.method === 'HEAD') && /(^|\/)(feed|atom)\.xml$/.test(url) && prefersHtml(request)) {
      reply.header('Vary', 'Accept');
      return reply.sendFile(url.replace(/(feed|atom)\.xml$/, 'feed.html').replace(/^\//, ''));
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const status = error instanceof AppError ? (STATUS_BY_CODE[error.code] ?? 500) : ((error as { statusCode?: number }).statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message = status === 413 ? 'That request is too large.' : status === 429 ? 'Too many requests: try again in a minute.' : status < 500 ? 'That request could not be understood.' : 'Something went wrong on our side.';
    // Never a stack trace or an internal message: the status and one plain sentence.
    return wantsJson(request) ? reply.code(status).send({ error: message }) : page(reply, status, { heading: 'Sorry', message });
  });
  app.setNotFoundHandler((request, reply) => page(reply, 404, { heading: 'Not found', message: `Nothing lives at ${request.url.split('?')[0]}.` }));

  app.post<{ Body: Body }>('/subscribe', { config: { rateLimit: { max: config.server.subscribeRateLimit, timeWindow: 60_000 } } }, async (request, reply) => {
    const body = request.body ?? {};
    const email = typeof body.email === 'string' ? body.email : '';
    const categories = strings(body.categories);
    const timezone = typeof body.timezone === 'string' ? body.timezone : undefined;
    try {
      await core.subscribe({ email, categories, timezone });
    } catch (err) {
      if (err instanceof AppError && err.code === 'INPUT_INVALID') {
        return wantsJson(request) ? reply.code(400).send({ error: 'Please enter a valid email address.' }) : page(reply, 400, { heading: 'Please check the address', message: `"${email}" is not an email address.` });
      }
      throw err;
    }
    // The same words whether the address was new, pending, active or unsubscribed.
    const message = 'If that address can receive the digest, a message is on its way to it: follow its link to confirm.';
    return wantsJson(request) ? reply.code(202).send({ status: 'pending', message }) : page(reply, 202, { heading: 'Check your inbox', message });
  });

  app.get<{ Querystring: Query }>('/confirm', async (request, reply) => {
    const result = await core.confirmSubscription(request.query.token ?? '');
    if (result === 'invalid') return page(reply, 400, { heading: 'Link not valid', message: NOT_VALID });
    return page(reply, 200, { heading: 'You are subscribed', message: result === 'confirmed' ? 'Thank you: your first digest arrives with the next issue.' : 'This address was already confirmed.' });
  });

  // A GET only shows a button: mail scanners follow links, and must not unsubscribe anyone.
  app.get<{ Querystring: Query }>('/unsubscribe', async (request, reply) => {
    const token = request.query.token;
    if (!token) return page(reply, 200, { heading: 'Unsubscribe', message: 'Use the unsubscribe link at the bottom of a digest you received.' });
    return page(reply, 200, {
      heading: 'Unsubscribe?',
      message: `You will no longer receive the ${config.site.title} digest.`,
      form: { action: `/unsubscribe?token=${encodeURIComponent(token)}`, button: 'Unsubscribe', fields: [{ name: 'List-Unsubscribe', value: 'One-Click' }] },
    });
  });

  // RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click"; the button posts the same.
  app.post<{ Querystring: Query }>('/unsubscribe', async (request, reply) => {
    const result = await core.unsubscribeByToken(request.query.token ?? '');
    if (result === 'invalid') return page(reply, 400, { heading: 'Link not valid', message: NOT_VALID });
    return page(reply, 200, { heading: 'Unsubscribed', message: result === 'unsubscribed' ? 'Done: you will receive no more digests.' : 'You were already unsubscribed.' });
  });

  const preferences = async (request: FastifyRequest<{ Querystring: Query; Body: Body }>, reply: FastifyReply, saved: boolean) => {
    const token = request.query.token ?? '';
    if (saved && !(await core.savePreferences(token, strings(request.body?.categories)))) {
      return page(reply, 400, { heading: 'Link not valid', message: NOT_VALID });
    }
    const prefs = await core.readPreferences(token);
    if (!prefs) return page(reply, 400, { heading: 'Link not valid', message: NOT_VALID });
    const html = await renderPreferencesPage(pages, {
      email: prefs.email, saved, action: `/preferences?token=${encodeURIComponent(token)}`, unsubscribeUrl: prefs.unsubscribeUrl,
      categories: prefs.categories.map((c) => ({ ...c, checked: prefs.selected.includes(c.slug) })),
    }, config);
    return reply.type('text/html; charset=utf-8').send(html);
  };
  app.get<{ Querystring: Query; Body: Body }>('/preferences', (request, reply) => preferences(request, reply, false));
  app.post<{ Querystring: Query; Body: Body }>('/preferences', (request, reply) => preferences(request, reply, true));

  const guard = async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    // A reverse proxy on this host makes every visitor look local: a forwarded request is not the publisher's own.
    if (isLoopback(request.ip) && !request.headers['x-forwarded-for'] && !request.headers.forwarded) return;
    const given = Buffer.from(request.query.token ?? '');
    const expected = Buffer.from(options.previewToken ?? '');
    if (!options.previewToken || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return page(reply, 403, { heading: 'Not here', message: 'Previews are for the publisher: open them from the server itself, or with the preview token.' });
    }
  };
  const previewOf = (request: FastifyRequest<{ Querystring: Query }>) => {
    const bound = (text: string | undefined, which: 'since' | 'until') => (text ? parseWindowBound(text, which, config.site.timezone) : undefined);
    return core.previewInMemory({ since: bound(request.query.since, 'since'), until: bound(request.query.until, 'until') });
  };
  app.get<{ Querystring: Query }>('/preview', { preHandler: guard }, async (request, reply) => {
    const preview = await previewOf(request);
    if (!preview || preview.digest.postCount === 0) return page(reply, 200, { heading: 'Nothing to preview', message: 'No posts were published in that window.' });
    const query = new URLSearchParams(Object.entries(request.query).filter(([, v]) => v) as Array<[string, string]>).toString();
    const suffix = query ? `?${query}` : '';
    const day = (d: Date, minus = 0) => new Date(d.getTime() - minus).toLocaleDateString('en-CA', { timeZone: config.site.timezone });
    const html = await renderPreviewPage(pages, {
      subject: preview.subject, postCount: preview.digest.postCount, fallback: preview.fallback, token: request.query.token ?? null,
      window: { since: day(preview.window.since), until: day(preview.window.until, 1), label: `${day(preview.window.since)} to ${day(preview.window.until, 1)}` },
      links: { self: '/preview', html: `/preview/digest.html${suffix}`, text: `/preview/digest.txt${suffix}`, eml: `/preview/digest.eml${suffix}` },
    }, config);
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
  });
  app.get<{ Querystring: Query; Params: { file: string } }>('/preview/:file', { preHandler: guard }, async (request, reply) => {
    const preview = await previewOf(request);
    if (!preview || preview.digest.postCount === 0) return reply.code(404).send();
    reply.header('Cache-Control', 'no-store');
    switch (request.params.file) {
      case 'digest.html': return reply.type('text/html; charset=utf-8').send(preview.html);
      case 'digest.txt': return reply.type('text/plain; charset=utf-8').send(preview.text);
      case 'digest.eml': return reply.type('message/rfc822').header('Content-Disposition', 'attachment; filename="digest.eml"').send(preview.eml);
      default: return reply.code(404).send();
    }
  });

  app.get<{ Params: { id: string } }>('/archive/:id/', async (request, reply) => {
    const html = await core.archivePage(request.params.id);
    if (!html) return page(reply, 404, { heading: 'Not found', message: 'There is no digest for that week.' });
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(html);
  });

  return app;
}

/** Only the strings of a form or JSON value: JSON may send numbers or objects where a list of names belongs. */
function strings(value: unknown): string[] {
  return ([] as unknown[]).concat(value ?? []).filter((v): v is string => typeof v === 'string');
}

function prefersHtml(request: FastifyRequest): boolean {
  const first = (request.headers.accept ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('text/html');
}

function wantsJson(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').includes('application/json') || (request.headers.accept ?? '').startsWith('application/json');
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip.startsWith('127.');
}
