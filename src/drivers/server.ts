// The HTTP server (Fastify): feeds for readers, subscribe / confirm / unsubscribe / preferences, and
// the publisher's preview. Routes translate HTTP to one core call each; no business logic here.
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { DigestPreviews, Returns, Signups } from '../core/types.js';
import { parseWindowBound } from '../digest/build.js';
import { asDarkScheme } from '../email/dark-scheme.js';
import { AppError } from '../errors.js';
import { renderMessagePage, renderPreferencesPage, renderPreviewPage, type MessagePage, type Pages } from '../web/pages.js';
import { registerWebhooks, type WebhookSettings } from './webhooks.js';

export interface ServerOptions {
  outDir: string;
  /** When set, /preview also answers non-loopback clients that present ?token=<this>. */
  previewToken?: string | undefined;
  logger?: boolean;
  /** Renders (preview, archive) allowed per client per minute on each of those routes; default 60. */
  renderRateLimit?: number;
  /** The sending services whose bounce and complaint webhooks are on (none by default). */
  webhooks?: WebhookSettings;
}

const CONTENT_TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml; charset=utf-8', // refined per file below
  '.json': 'application/feed+json; charset=utf-8',
  '.opml': 'text/x-opml; charset=utf-8',
  '.xsl': 'text/xsl; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};
/** The type a feed, page or stylesheet of the built site is served as. */
function contentTypeOf(file: string): string | undefined {
  return path.basename(file) === 'atom.xml' ? 'application/atom+xml; charset=utf-8' : CONTENT_TYPES[path.extname(file)];
}
const STATUS_BY_CODE: Record<string, number> = { INPUT_INVALID: 400, CONTENT_INVALID: 500, TEMPLATE_INVALID: 500 };
const NOT_VALID = 'This link is not valid: it may have been altered, or it has expired. Use the link from your most recent email.';

const ARCHIVE_NOT_FOUND = 'There is no digest for that week.';
type Directives = Record<string, string[]>;
/** Our own pages: no inline script but the templates' own (by hash), forms only to this site, framed only by it. */
const pageDirectives = (pages: Pages, config: Readonly<Config>): Directives => ({
  'default-src': ["'none'"],
  // 'self' for feed.xml's XSL stylesheet, which CSP counts as a script.
  'script-src': ["'self'", ...pages.scriptHashes],
  // The pages' one <style> element and the preview's style attributes: injected CSS cannot run code,
  // and every value a page shows is escaped; hashes would break pages built by an older template.
  'style-src': ["'self'", "'unsafe-inline'"],
  // Post pages show their cover and the images in their bodies, which live on other hosts.
  'img-src': ["'self'", 'https:', 'http:', 'data:'],
  // The preview page frames its own digest (/preview/digest.html).
  'frame-src': ["'self'"],
  // Forms post to site.url, which is this server behind its proxy but another origin on loopback.
  'form-action': ["'self'", new URL(config.site.url).origin],
  'frame-ancestors': ["'self'"],
  'base-uri': ["'none'"],
});
/** A digest email shown as a page (preview frames, archive): MJML's inline CSS and remote images, no script. */
const EMAIL_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'style-src': ["'unsafe-inline'", 'https:'],
  'font-src': ['https:', 'data:'],
  'img-src': ['https:', 'http:', 'data:'],
  'form-action': ["'none'"],
  'frame-ancestors': ["'self'"],
  'base-uri': ["'none'"],
};
const csp = (directives: Directives) => ({ contentSecurityPolicy: { useDefaults: false, directives } });

type Query = { token?: string; since?: string; until?: string; w?: string; scheme?: string };
type Body = Record<string, string | string[] | undefined> | undefined;

/** What the routes call: the subscriber routes and the previews. */
export type ServerCore = Pick<Signups, 'subscribe' | 'confirmSubscription' | 'unsubscribeByToken' | 'readPreferences' | 'savePreferences'> &
  Pick<DigestPreviews, 'previewInMemory' | 'archivePage'> &
  Pick<Returns, 'recordReturned'>;

export async function createServer(core: ServerCore, pages: Pages, config: Readonly<Config>, options: ServerOptions): Promise<FastifyInstance> {
  const directives = pageDirectives(pages, config);
  const page = async (reply: FastifyReply, status: number, view: MessagePage) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(renderMessagePage(pages, view, config));
  /** Every error answer: one plain sentence, as JSON to JSON clients, else as a page; never a stack or an internal code. */
  const fail = (request: FastifyRequest, reply: FastifyReply, status: number, heading: string, message: string) =>
    wantsJson(request) ? reply.code(status).send({ error: message }) : page(reply, status, { heading, message });
  const failure = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    const status = error instanceof AppError ? (STATUS_BY_CODE[error.code] ?? 500) : ((error as { statusCode?: number }).statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      status === 413
        ? 'That request is too large.'
        : status === 429
          ? 'Too many requests: try again in a minute.'
          : status < 500
            ? 'That request could not be understood.'
            : 'Something went wrong on our side.';
    return fail(request, reply, status, 'Sorry', message);
  };

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024,
    trustProxy: config.server.trustProxy,
    // One string per name (the last one wins): a repeated ?token=a&token=b would reach the core as an
    // array and fail as a 500 instead of "this link is not valid".
    routerOptions: { querystringParser: (query) => Object.fromEntries(new URLSearchParams(query)) },
    // A URL the router cannot decode (/%c0%ae) is answered before any hook runs, so helmet never sees it:
    // the same headers are set here, from the same policy (test/server/hardening.test.ts compares them).
    frameworkErrors: (error, request, reply) => {
      reply.headers({
        'content-security-policy': Object.entries(directives)
          .map(([name, sources]) => `${name} ${sources.join(' ')}`)
          .join(';'),
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
      });
      return failure(request, reply, error);
    },
  });

  // Before every route, so each answer (files, pages, errors, 404s) carries the headers.
  await app.register(fastifyHelmet, { ...csp(directives), referrerPolicy: { policy: 'no-referrer' }, hsts: { maxAge: 15_552_000, includeSubDomains: false } });

  await app.register(fastifyCompress, { threshold: 1024, encodings: ['br', 'gzip'] });
  await app.register(fastifyFormbody);
  // RFC 8058 lets mail clients send the one-click POST as multipart/form-data; no route reads such a
  // body (the token is in the URL), so it is accepted (size-limited) and ignored instead of answered 415.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, _body, done) => done(null, {}));
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyStatic, {
    root: path.resolve(options.outDir),
    // The build keeps .br and .gz copies beside each feed: sent as they are to clients that accept them, so
    // no request compresses a feed (that cut /atom.xml from 2,771 to 582 requests a second). The site's
    // pages have none; @fastify/compress (above) compresses them per request.
    preCompressed: true,
    etag: true,
    lastModified: true,
    cacheControl: false,
    setHeaders(res, served) {
      // A precompressed copy (feed.xml.br) is the file it compresses, as far as its type goes.
      const file = served.replace(/\.(br|gz)$/, '');
      const ext = path.extname(file);
      const base = path.basename(file);
      const type = contentTypeOf(file);
      if (type) res.header('Content-Type', type);
      // Feed readers poll: let them revalidate every few minutes, with cheap 304s in between.
      res.header('Cache-Control', ext === '.html' ? 'no-cache' : 'public, max-age=300');
      if (base === 'feed.xml' || base === 'atom.xml') res.header('Vary', 'Accept');
    },
  });

  // @fastify/static sets a precompressed copy's type from its generic MIME table after setHeaders
  // (application/xml for atom.xml.br): put ours back. Only over that generic type, so a feed URL a
  // browser was given the HTML rendition for (text/html) keeps it.
  app.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-encoding') ? contentTypeOf(request.url.split('?')[0]!) : undefined;
    const current = String(reply.getHeader('content-type') ?? '');
    if (type && /^application\/(xml|json)|^text\/xsl|^application\/xslt/.test(current)) reply.header('content-type', type);
    return payload;
  });

  // Browsers (Accept: text/html first) get the feed's HTML rendition: many no longer run XSLT.
  app.addHook('onRequest', async (request, reply) => {
    const url = request.url.split('?')[0]!;
    if ((request.method === 'GET' || request.method === 'HEAD') && /(^|\/)(feed|atom)\.xml$/.test(url) && prefersHtml(request)) {
      reply.header('Vary', 'Accept');
      return reply.sendFile(url.replace(/(feed|atom)\.xml$/, 'feed.html').replace(/^\//, ''));
    }
  });

  app.setErrorHandler((error, request, reply) => failure(request, reply, error));
  const notFound = (request: FastifyRequest, reply: FastifyReply) => fail(request, reply, 404, 'Not found', `Nothing lives at ${request.url.split('?')[0]}.`);
  // An unknown path gets the site's own 404 page (OUT/404.html, which the build writes), as any static
  // host would send it; JSON clients, and a site not built yet, get the usual error answer.
  app.setNotFoundHandler(async (request, reply) => {
    const built = wantsJson(request) ? undefined : await readFile(path.join(options.outDir, '404.html'), 'utf8').catch(() => undefined);
    if (built === undefined) return notFound(request, reply);
    return reply.code(404).type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(built);
  });

  await registerWebhooks(app, core, options.webhooks ?? {});

  app.post<{ Body: Body }>('/subscribe', { config: { rateLimit: { max: config.server.subscribeRateLimit, timeWindow: 60_000 } } }, async (request, reply) => {
    const body = request.body ?? {};
    const email = typeof body.email === 'string' ? body.email : '';
    const categories = strings(body.categories);
    const timezone = typeof body.timezone === 'string' ? body.timezone : undefined;
    try {
      await core.subscribe({ email, categories, timezone });
    } catch (err) {
      if (err instanceof AppError && err.code === 'INPUT_INVALID') {
        return wantsJson(request)
          ? reply.code(400).send({ error: 'Please enter a valid email address.' })
          : page(reply, 400, { heading: 'Please check the address', message: `"${email}" is not an email address.` });
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
    return page(reply, 200, {
      heading: 'You are subscribed',
      message: result === 'confirmed' ? 'Thank you: your first digest arrives with the next issue.' : 'This address was already confirmed.',
    });
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
    return page(reply, 200, {
      heading: 'Unsubscribed',
      message: result === 'unsubscribed' ? 'Done: you will receive no more digests.' : 'You were already unsubscribed.',
    });
  });

  const preferences = async (request: FastifyRequest<{ Querystring: Query; Body: Body }>, reply: FastifyReply, saved: boolean) => {
    const token = request.query.token ?? '';
    if (saved && !(await core.savePreferences(token, strings(request.body?.categories)))) {
      return page(reply, 400, { heading: 'Link not valid', message: NOT_VALID });
    }
    const prefs = await core.readPreferences(token);
    if (!prefs) return page(reply, 400, { heading: 'Link not valid', message: NOT_VALID });
    const html = renderPreferencesPage(
      pages,
      {
        email: prefs.email,
        saved,
        action: `/preferences?token=${encodeURIComponent(token)}`,
        unsubscribeUrl: prefs.unsubscribeUrl,
        categories: prefs.categories.map((c) => ({ ...c, checked: prefs.selected.includes(c.slug) })),
      },
      config,
    );
    return reply.type('text/html; charset=utf-8').send(html);
  };
  app.get<{ Querystring: Query; Body: Body }>('/preferences', (request, reply) => preferences(request, reply, false));
  app.post<{ Querystring: Query; Body: Body }>('/preferences', (request, reply) => preferences(request, reply, true));

  const guard = async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    if (isPublishersOwn(request, Boolean(config.server.trustProxy))) return;
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
  // Renders are costly (MJML): limited per client, counted before the preview's guard.
  const renders = { rateLimit: { max: options.renderRateLimit ?? 60, timeWindow: 60_000 } };
  app.get<{ Querystring: Query }>('/preview', { preHandler: guard, config: renders }, async (request, reply) => {
    const preview = await previewOf(request);
    if (!preview || preview.digest.postCount === 0)
      return page(reply, 200, { heading: 'Nothing to preview', message: 'No posts were published in that window.' });
    const params = new URLSearchParams(Object.entries(request.query).filter(([name, v]) => v && name !== 'scheme') as Array<[string, string]>);
    const query = params.toString();
    const suffix = query ? `?${query}` : '';
    params.set('scheme', 'dark');
    const day = (d: Date, minus = 0) => new Date(d.getTime() - minus).toLocaleDateString('en-CA', { timeZone: config.site.timezone });
    const html = renderPreviewPage(
      pages,
      {
        subject: preview.subject,
        postCount: preview.digest.postCount,
        fallback: preview.fallback,
        token: request.query.token ?? null,
        window: {
          since: day(preview.window.since),
          until: day(preview.window.until, 1),
          label: `${day(preview.window.since)} to ${day(preview.window.until, 1)}`,
        },
        links: {
          self: '/preview',
          html: `/preview/digest.html${suffix}`,
          htmlDark: `/preview/digest.html?${params}`,
          text: `/preview/digest.txt${suffix}`,
          eml: `/preview/digest.eml${suffix}`,
        },
      },
      config,
    );
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
  });
  app.get<{ Querystring: Query; Params: { file: string } }>(
    '/preview/:file',
    { preHandler: guard, config: renders, helmet: csp(EMAIL_DIRECTIVES) },
    async (request, reply) => {
      if (!['digest.html', 'digest.txt', 'digest.eml'].includes(request.params.file)) return notFound(request, reply);
      const preview = await previewOf(request);
      if (!preview || preview.digest.postCount === 0) return fail(request, reply, 404, 'Nothing to preview', 'No posts were published in that window.');
      reply.header('Cache-Control', 'no-store');
      switch (request.params.file) {
        case 'digest.html':
          // ?scheme=dark: the preview's dark frame (a frame cannot be made to prefer dark on its own).
          return reply.type('text/html; charset=utf-8').send(request.query.scheme === 'dark' ? asDarkScheme(preview.html) : preview.html);
        case 'digest.txt':
          return reply.type('text/plain; charset=utf-8').send(preview.text);
        case 'digest.eml':
          return reply.type('message/rfc822').header('Content-Disposition', 'attachment; filename="digest.eml"').send(preview.eml);
        default:
          return notFound(request, reply);
      }
    },
  );

  // A bare id serves whole days up to a limit; a longer or exact window comes signed in ?w= (the email's link).
  app.get<{ Params: { id: string }; Querystring: Query }>('/archive/:id/', { config: renders, helmet: csp(EMAIL_DIRECTIVES) }, async (request, reply) => {
    const html = await core.archivePage(request.params.id, request.query.w || undefined);
    if (!html) return fail(request, reply, 404, 'Not found', ARCHIVE_NOT_FOUND);
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

/**
 * Whether a tokenless /preview comes from the publisher's own machine. Without trustProxy the socket
 * decides, and any forwarding header marks a proxy on this host that would make every visitor look local
 * (a header can refuse, never admit). With trustProxy the client is the address Fastify takes from
 * X-Forwarded-For under the configured trust; a request without that header came through no proxy we
 * can read, so it is refused. X-Real-IP is never believed: Fastify does not read it, and anyone can send it.
 */
function isPublishersOwn(request: FastifyRequest, trustsProxy: boolean): boolean {
  const h = request.headers;
  if (!trustsProxy) return isLoopback(request.socket.remoteAddress ?? '') && !h['x-forwarded-for'] && !h.forwarded && !h['x-real-ip'];
  return Boolean(h['x-forwarded-for']) && isLoopback(request.ip);
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip.startsWith('127.');
}
