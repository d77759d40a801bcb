// Use cases for subscribers: the CLI's add/remove/list/import/show/delete (SubscriberAdmin, no mail) and
// what may mail a subscriber (Signups: pending adds, imports, the server's double opt-in, one-click
// unsubscribe and preferences).
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { siteUrl } from '../shared/urls.js';
import { normalizeAddress, parseCategoryList, unknownCategories } from '../subscribers/address.js';
import { returnPathFor } from '../email/bounce-tag.js';
import type { ListLinks } from '../email/message.js';
import type { Subscriber, SubscriberStore } from '../subscribers/store.js';
import { DELETED_ON_REQUEST, suppressionHash } from '../subscribers/suppression.js';
import { signToken, verifyToken } from '../email/tokens.js';
import type { Category } from '../content/schema.js';
import { IANAZone } from 'luxon';
import { describeError, InputError } from '../errors.js';
import type { Config } from '../config.js';
import type { Mailer } from '../delivery/mailer.js';
import { createContext, signingKeyLoader, type CoreContext } from './context.js';
import type { AddSubscriberInput, BaseDeps, ImportReport, MailerDeps, SecretDeps, Signups, StoreDeps, SubscriberAdmin } from './types.js';

// Mail rendering, MIME building and CSV parsing load when a use case first needs them: listing or
// removing subscribers needs none of them.
const renderModule = () => import('../email/render.js');
const messageModule = () => import('../email/message.js');
const csvModule = () => import('../subscribers/import-csv.js');
// Slugs (for category names) pull in a transliteration table that is slow to set up.
const slugModule = () => import('../content/slug.js');

/** Recorded each time a confirmation request is sent: the limits below count these. */
const CONFIRMATION_EVENT = 'confirmation requested';
/** A repeated signup of a pending address sends a new request at most this often, */
const CONFIRMATION_INTERVAL_MS = 15 * 60_000;
/** and at most this many a day: fifty requests for one address once sent it fifty mails. */
const CONFIRMATIONS_PER_DAY = 3;

function mayRequestAgain(events: ReadonlyArray<{ event: string; at: Date }>, now: Date): boolean {
  const sent = events.filter((e) => e.event === CONFIRMATION_EVENT).map((e) => e.at.getTime());
  const last = Math.max(0, ...sent);
  return now.getTime() - last >= CONFIRMATION_INTERVAL_MS && sent.filter((t) => now.getTime() - t < 86_400_000).length < CONFIRMATIONS_PER_DAY;
}

/** The key that signs links and suppression hashes, read on first use (see signingKeyLoader). */
type SigningKey = () => Promise<string>;

/** The list by hand, without a mailer: `subscribers add|remove|list|show|delete|reactivate|export`. */
export function createSubscriberAdmin(config: Readonly<Config>, deps: BaseDeps & SecretDeps & StoreDeps): SubscriberAdmin {
  const ctx = createContext(config, deps);
  return subscriberAdmin(ctx, { store: deps.store, signingKey: signingKeyLoader(ctx, deps.env) });
}

/** What may mail a subscriber: `subscribers add --pending|import`, and the server's subscriber routes. */
export function createSignups(config: Readonly<Config>, deps: BaseDeps & SecretDeps & StoreDeps & MailerDeps): Signups {
  const ctx = createContext(config, deps);
  return signups(ctx, { store: deps.store, mailer: deps.mailer, signingKey: signingKeyLoader(ctx, deps.env) });
}

/** What both capabilities check an address against: the published categories and the suppression list. */
function listRules(ctx: CoreContext, store: SubscriberStore, signingKey: SigningKey) {
  async function categories(): Promise<Category[]> {
    const { published } = await ctx.loadPublished();
    const seen = new Map<string, Category>();
    for (const post of published.posts) if (!seen.has(post.category.slug)) seen.set(post.category.slug, post.category);
    return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  /** The suppression entry for an address; the signing key is only read when the list has entries. */
  async function suppressionOf(email: string) {
    return (await store.hasSuppressions()) ? store.suppression(suppressionHash(email, await signingKey())) : undefined;
  }
  /** Add one address by hand: its categories must exist, and an address deleted on request stays out. */
  async function add(input: AddSubscriberInput, status: 'active' | 'pending') {
    const email = addressOf(input.email);
    const { toSlug } = await slugModule();
    const slugs = parseCategoryList(input.categories, toSlug);
    if (slugs.length > 0) {
      const known = await categories();
      const unknown = unknownCategories(input.categories, toSlug, new Set(known.map((c) => c.slug)));
      if (unknown.length > 0) throw new InputError({ field: 'categories', message: unknownCategoryMessage(unknown, known) });
    }
    // Only the person can undo an erasure, by signing up again; an address already back (pending) is simply known.
    if (!(await store.findByEmail(email)) && (await suppressionOf(email))) {
      throw new InputError({
        field: 'email',
        message: `${email} is suppressed (deleted on request): only the person can subscribe again, through the subscribe form`,
      });
    }
    return store.add({ email, name: input.name, categories: slugs, timezone: input.timezone, status }, ctx.deps.now());
  }
  return { categories, suppressionOf, add };
}

/** Names the unknown categories and the ones there are (by name; names and slugs are both accepted). */
function unknownCategoryMessage(unknown: string[], known: Category[]): string {
  const there =
    known.length > 0
      ? `the categories of the published posts are: ${known.map((c) => c.name).join(', ')}`
      : 'no post is published yet, so there are no categories';
  return `unknown ${unknown.length === 1 ? 'category' : 'categories'} ${unknown.map((c) => `"${c}"`).join(', ')}: ${there}`;
}

/** A normalised address, or an InputError quoting what was given. */
function addressOf(raw: string): string {
  const email = normalizeAddress(raw);
  if (!email) throw new InputError({ field: 'email', message: `"${raw}" is not an email address` });
  return email;
}

export function subscriberAdmin(ctx: CoreContext, deps: { store: SubscriberStore; signingKey: SigningKey }): SubscriberAdmin {
  const { log } = ctx;
  const { store, signingKey } = deps;
  const now = ctx.deps.now;
  const { suppressionOf, add } = listRules(ctx, store, signingKey);
  return {
    addSubscriber: (input) => add(input, 'active'),
    async reactivateBounced(since) {
      const emails = await store.reactivateBounced(since, now(), `bounced since ${since.toISOString()}, reactivated by hand`);
      log.info({ since: since.toISOString(), reactivated: emails.length }, 'bounced subscribers reactivated');
      return emails;
    },
    async removeSubscriber(raw) {
      const email = normalizeAddress(raw);
      const subscriber = email ? await store.findByEmail(email) : undefined;
      if (!subscriber) return { found: false, changed: false };
      return { found: true, changed: await store.unsubscribe(subscriber.id, now()) };
    },
    async showSubscriber(raw) {
      const email = addressOf(raw);
      const subscriber = await store.findByEmail(email);
      return {
        email,
        subscriber,
        events: subscriber ? await store.eventsOf(subscriber.id) : [],
        deliveries: subscriber ? await store.deliveriesOf(subscriber.id) : [],
        suppression: await suppressionOf(email),
      };
    },
    async deleteSubscriber(raw) {
      const email = addressOf(raw);
      const subscriber = await store.findByEmail(email);
      if (!subscriber) return { email, found: false, events: 0, deliveries: 0, suppression: await suppressionOf(email) };
      const hash = suppressionHash(email, await signingKey());
      const erased = await store.erase(subscriber.id, { hash, reason: DELETED_ON_REQUEST }, now());
      return { email, found: true, ...erased, suppression: await store.suppression(hash) };
    },
    listSubscribers(status) {
      return store.list({ status });
    },
  };
}

export function signups(ctx: CoreContext, deps: { store: SubscriberStore; mailer: Mailer; signingKey: SigningKey }): Signups {
  const { config, log } = ctx;
  const { store, mailer, signingKey } = deps;
  const now = ctx.deps.now;
  const { categories, add } = listRules(ctx, store, signingKey);
  /** Mail sent after a request was answered; settled() waits for it (shutdown, tests). */
  const background = new Set<Promise<void>>();
  /** The signups queued so far, in order (see subscribe). */
  let queued: Promise<void> = Promise.resolve();
  /** The subscriber a token speaks for, or undefined for a forged, altered, expired or stale token. */
  async function subscriberFor(token: string, purpose: 'unsubscribe' | 'preferences' | 'confirm'): Promise<Subscriber | undefined> {
    const payload = verifyToken(token, await signingKey(), purpose, now());
    return payload ? store.findByEmail(payload.email) : undefined;
  }
  /** A transactional message (confirm, welcome) to one subscriber; list headers only when `links` are given. */
  async function sendNotice(subscriber: Subscriber, kind: 'confirm' | 'welcome', links: Record<string, string>, listLinks?: ListLinks): Promise<void> {
    const [{ renderNoticeEmail }, { buildMessage }] = await Promise.all([renderModule(), messageModule()]);
    const email = await renderNoticeEmail(await ctx.templates(), config, kind, {
      email: subscriber.email,
      categories: subscriber.categories,
      links,
      validDays: config.delivery.confirmDays,
    });
    const at = now();
    const to = { email: subscriber.email, name: subscriber.name ?? undefined };
    // Tagged as campaign 0: a bounce of a confirmation request or a welcome names the subscriber too.
    const returnPath = returnPathFor(ctx.returnPaths, { campaignId: 0, subscriberId: subscriber.id }, await signingKey());
    await mailer.send(await buildMessage({ ...email, digestId: `${kind}-${at.getTime()}` }, to, listLinks, at, config, returnPath));
    log.info({ subscriber: subscriber.id }, kind === 'confirm' ? 'confirmation request submitted' : 'welcome message submitted');
  }
  async function sendWelcome(subscriber: Subscriber): Promise<void> {
    const { subscriberLinks } = await messageModule();
    const links = subscriberLinks(subscriber.email, await signingKey(), config, ctx.returnPaths.unsubscribeMailbox);
    await sendNotice(subscriber, 'welcome', { unsubscribe: links.unsubscribeUrl, preferences: links.preferencesUrl }, links);
  }
  /** Double opt-in: a signed link that expires, sent to each new pending subscriber. */
  async function sendConfirmations(subscribers: Subscriber[], onProgress?: (done: number, total: number) => void): Promise<number> {
    const key = await signingKey();
    for (const [i, subscriber] of subscribers.entries()) {
      const expires = Math.floor(now().getTime() / 1000) + config.delivery.confirmDays * 86_400;
      const token = signToken({ purpose: 'confirm', email: subscriber.email, expires }, key);
      await sendNotice(subscriber, 'confirm', { confirm: siteUrl(config.site.url, `/confirm?token=${token}`) });
      await store.addEvent(subscriber.id, CONFIRMATION_EVENT, null, now());
      onProgress?.(i + 1, subscribers.length);
    }
    return subscribers.length;
  }
  return {
    async addPendingSubscriber(input) {
      const { subscriber, created } = await add(input, 'pending');
      if (created) await sendConfirmations([subscriber]);
      const confirmationSent = created;
      return { subscriber, created, confirmationSent };
    },
    async importSubscribers(file, options = {}) {
      const absolute = path.resolve(ctx.deps.cwd, file);
      const text = await readFile(absolute, 'utf8').catch((cause: unknown) => {
        throw new InputError({ file, message: 'cannot read the CSV file', cause });
      });
      const { parseSubscriberCsv } = await csvModule();
      const { toSlug } = await slugModule();
      const parsed = parseSubscriberCsv(text, file, options.pending ? 'pending' : 'active', toSlug);
      const errors = [...parsed.errors];
      const suppressed: ImportReport['suppressed'] = [];
      // The posts are loaded (to know the categories) only when some row names categories.
      const known = parsed.rows.some((r) => r.categories?.length) ? await categories() : [];
      const knownSlugs = new Set(known.map((c) => c.slug));
      const key = (await store.hasSuppressions()) ? await signingKey() : undefined;
      const rows: typeof parsed.rows = [];
      for (const row of parsed.rows) {
        if (key && !(await store.findByEmail(row.email)) && (await store.suppression(suppressionHash(row.email, key)))) {
          suppressed.push({ line: row.line, email: row.email });
          continue;
        }
        const unknown = (row.categories ?? []).filter((slug) => !knownSlugs.has(slug));
        if (unknown.length > 0) {
          errors.push({ line: row.line, message: unknownCategoryMessage(unknown, known) });
          continue;
        }
        rows.push(row);
      }
      errors.sort((a, b) => a.line - b.line);
      const progress = options.onProgress;
      const result = await store.importMany(
        rows.map(({ line: _line, ...row }) => row),
        now(),
        progress && ((done, total) => progress('storing', done, total)),
      );
      // Every new pending subscriber still owes a confirmation: those of --pending, and the rows the file had
      // as pending (never confirmed), which stay pending without --pending too.
      // A row is added with the status it came with: only pending rows are looked up (not a round trip per
      // subscriber of a million-row import).
      const pendingEmails = new Set(rows.filter((r) => r.status === 'pending').map((r) => r.email));
      const owed: Subscriber[] = [];
      for (const email of result.addedEmails) {
        if (!pendingEmails.has(email)) continue;
        const subscriber = (await store.findByEmail(email))!;
        if (subscriber.status === 'pending') owed.push(subscriber);
      }
      const confirmationsSent = owed.length > 0 ? await sendConfirmations(owed, progress && ((done, total) => progress('confirming', done, total))) : 0;
      return {
        file,
        format: parsed.format,
        description: parsed.description,
        columns: parsed.columns,
        added: result.added,
        existing: result.existing,
        duplicates: parsed.duplicates,
        suppressed,
        errors,
        confirmationsSent,
      };
    },
    async subscribe(input) {
      const email = normalizeAddress(input.email);
      if (!email) throw new InputError({ field: 'email', message: 'expected an email address' });
      const { toSlug } = await slugModule();
      const categories = parseCategoryList(input.categories, toSlug);
      const timezone = input.timezone && IANAZone.isValidZone(input.timezone) ? input.timezone : undefined;
      const at = now();
      // Every address is queued alike and decided after the answer has gone: the answer's timing (and
      // the next request's) must not tell which addresses are subscribed. Signups run one at a time.
      // setImmediate: not even the first database write happens before the answer is on its way.
      const job = queued
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(async () => {
          const decidedAt = now();
          const { subscriber, created } = await store.add({ email, categories, timezone, status: 'pending' }, at);
          // Only a new, pending or unsubscribed address gets a (new) request; a known one gets nothing.
          const wantsRequest =
            created || subscriber.status === 'pending' || (subscriber.status === 'unsubscribed' && (await store.resubscribe(subscriber.id, decidedAt)));
          if (!wantsRequest) return;
          if (!created) await store.setCategories(subscriber.id, categories, decidedAt);
          const current = (await store.get(subscriber.id))!;
          if (!created && !mayRequestAgain(await store.eventsOf(current.id), decidedAt)) {
            log.info({ subscriber: current.id }, 'confirmation request not sent again: one was sent too recently');
            return;
          }
          await sendConfirmations([current]);
        });
      const pending: Promise<void> = job.then(
        () => undefined,
        (err: unknown) => {
          log.error({ error: describeError(err) }, 'signup failed');
        },
      );
      queued = pending;
      background.add(pending);
      void pending.finally(() => background.delete(pending));
    },
    async confirmSubscription(token) {
      const subscriber = await subscriberFor(token, 'confirm');
      if (!subscriber) return 'invalid';
      if (!(await store.activate(subscriber.id, now()))) return subscriber.status === 'active' ? 'already' : 'invalid';
      // The person confirmed a new signup themselves: an earlier erasure no longer stands in their way.
      if (await store.hasSuppressions()) await store.unsuppress(suppressionHash(subscriber.email, await signingKey()));
      await sendWelcome(subscriber);
      return 'confirmed';
    },
    async unsubscribeByToken(token) {
      const subscriber = await subscriberFor(token, 'unsubscribe');
      if (!subscriber) return 'invalid';
      return (await store.unsubscribe(subscriber.id, now())) ? 'unsubscribed' : 'already';
    },
    async readPreferences(token) {
      const subscriber = await subscriberFor(token, 'preferences');
      if (!subscriber) return undefined;
      const { subscriberLinks } = await messageModule();
      const { unsubscribeUrl } = subscriberLinks(subscriber.email, await signingKey(), config);
      return { email: subscriber.email, selected: subscriber.categories, categories: await categories(), unsubscribeUrl };
    },
    async savePreferences(token, categories) {
      const subscriber = await subscriberFor(token, 'preferences');
      if (!subscriber) return false;
      const { toSlug } = await slugModule();
      await store.setCategories(subscriber.id, parseCategoryList(categories, toSlug), now());
      return true;
    },
    async settled() {
      await Promise.allSettled([...background]);
    },
  };
}
