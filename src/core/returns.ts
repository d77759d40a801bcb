// What comes back after sending (issue 17): bounces, complaints and unsubscribe requests, from the bounce
// mailbox or a sending service's webhook, attributed to a subscriber only through what cannot be forged
// (our signed envelope tag, a Message-ID we sent, a verified unsubscribe token, a verified webhook) and
// acted on once each.
import type { ReturnedEvent, ReturnedMail } from '../bounces/returned.js';
import { readBounceTag } from '../email/bounce-tag.js';
import { verifyToken } from '../email/tokens.js';
import { normalizeAddress } from '../subscribers/address.js';
import { RETURN_COUNT_FIELD, type ReturnRecord, type SubscriberStore } from '../subscribers/store.js';
import type { Config } from '../config.js';
import { createContext, signingKeyLoader, type CoreContext } from './context.js';
import type { BaseDeps, BounceMailbox, MailboxReport, Returns, ReturnsDeps, ReturnsReport, SecretDeps, StoreDeps } from './types.js';

const classifyModule = () => import('../bounces/classify.js');

/** `broadsheet bounces check`: the store, the signing key (tags, tokens) and the mailbox. */
export function createReturns(config: Readonly<Config>, deps: BaseDeps & SecretDeps & StoreDeps & ReturnsDeps): Returns {
  const ctx = createContext(config, deps);
  return returns(ctx, { store: deps.store, signingKey: signingKeyLoader(ctx, deps.env), openBounceMailbox: deps.openBounceMailbox });
}

export function returns(
  ctx: CoreContext,
  deps: { store: SubscriberStore; signingKey: () => Promise<string>; openBounceMailbox?: (() => Promise<BounceMailbox>) | undefined },
): Returns {
  const { config, log } = ctx;
  const { store } = deps;
  const now = ctx.deps.now;
  const softRule = () => ({ limit: config.bounces.softLimit, since: new Date(now().getTime() - config.bounces.softWindowDays * 86_400_000) });

  /** Who an event is about, as far as it can be trusted: a subscriber id (and campaign), or nobody. */
  async function attribute(event: ReturnedEvent, key: string): Promise<{ subscriberId: number; campaignId: number | undefined } | undefined> {
    const tagged = event.about.tag === undefined ? undefined : readBounceTag(event.about.tag, key);
    if (tagged && (await store.get(tagged.subscriberId))) return { subscriberId: tagged.subscriberId, campaignId: tagged.campaignId || undefined };
    const delivery = event.about.messageId === undefined ? undefined : await store.deliveryByMessageId(event.about.messageId);
    if (delivery && (await store.get(delivery.subscriberId))) return delivery;
    // A mailbox report naming only an address could be forged by anyone who can send mail: it acts on nobody.
    // A service's webhook is verified (its signature), so the address it names is its word.
    if (event.source === 'mailbox' || event.about.address === undefined) return undefined;
    const address = normalizeAddress(event.about.address);
    const subscriber = address === undefined ? undefined : await store.findByEmail(address);
    if (!subscriber) return undefined;
    return { subscriberId: subscriber.id, campaignId: (await store.latestDeliveryOf(subscriber.id))?.campaignId };
  }

  /** Record one entry (once by its key) and count what it did. */
  async function save(entry: ReturnRecord, report: ReturnsReport & { ignored?: number }, logged: Record<string, unknown>): Promise<void> {
    const outcome = await store.recordReturn(entry, softRule());
    if (!outcome.recorded) {
      report.duplicates++;
      return;
    }
    if (entry.kind === 'ignored') report.ignored = (report.ignored ?? 0) + 1;
    else if (entry.kind === 'unattributed') report.unattributed++;
    else {
      report[RETURN_COUNT_FIELD[entry.kind]]++;
      if (outcome.changed) report.changed++;
    }
    if (entry.kind !== 'ignored') {
      log.info(
        { key: entry.key, kind: entry.kind, subscriber: entry.subscriberId, campaign: entry.campaignId, status: entry.status, source: entry.source, ...logged },
        entry.kind === 'unattributed' ? 'returned mail about nobody we can tell: recorded, no effect' : `${entry.kind} recorded`,
      );
    }
  }

  async function record(event: ReturnedEvent, key: string, report: ReturnsReport): Promise<void> {
    const who = await attribute(event, key);
    await save(
      {
        key: event.key,
        kind: who === undefined ? 'unattributed' : event.kind,
        subscriberId: who?.subscriberId,
        campaignId: who?.campaignId,
        status: event.status,
        detail: event.detail,
        source: event.source,
        at: event.at ?? now(),
      },
      report,
      {},
    );
  }

  async function recordReturned(events: readonly ReturnedEvent[]): Promise<ReturnsReport> {
    const key = await deps.signingKey();
    const report = emptyReport();
    for (const event of events) await record(event, key, report);
    return report;
  }

  /** One mailbox message: acted on (true: it may be flagged as handled), or left as it is (false). */
  async function handle(mail: ReturnedMail, key: string, report: MailboxReport): Promise<boolean> {
    switch (mail.kind) {
      case 'report':
        for (const event of mail.events) await record(event, key, report);
        return true;
      case 'unsubscribe-request': {
        // Only a token we signed unsubscribes: a request naming an address proves nothing.
        const email = mail.tokens.map((token) => verifyToken(token, key, 'unsubscribe', now())?.email).find((found) => found !== undefined);
        const subscriber = email === undefined ? undefined : await store.findByEmail(email);
        if (!subscriber) {
          report.unknown++;
          log.warn({ key: mail.key, from: mail.from }, 'an unsubscribe request without a valid token: left in the mailbox');
          return false;
        }
        await save(
          {
            key: mail.key,
            kind: 'unsubscribe',
            subscriberId: subscriber.id,
            campaignId: undefined,
            status: undefined,
            detail: 'unsubscribe request by mail',
            source: 'mailbox',
            at: now(),
          },
          report,
          { from: 'the List-Unsubscribe mailto' },
        );
        return true;
      }
      case 'ignored':
        await save(
          {
            key: mail.key,
            kind: 'ignored',
            subscriberId: undefined,
            campaignId: undefined,
            status: undefined,
            detail: mail.reason,
            source: 'mailbox',
            at: now(),
          },
          report,
          {},
        );
        return true;
      case 'unknown':
        report.unknown++;
        log.warn({ key: mail.key, reason: mail.reason }, 'a message in the bounce mailbox was not understood: left as it is');
        return false;
    }
  }

  async function checkBounceMailbox(): Promise<MailboxReport> {
    if (!deps.openBounceMailbox) throw new Error('no bounce mailbox is configured (BROADSHEET_BOUNCE_IMAP_URL)');
    const [{ classifyReturnedMail }, key] = await Promise.all([classifyModule(), deps.signingKey()]);
    const report: MailboxReport = { ...emptyReport(), messages: 0, ignored: 0, unknown: 0 };
    const mailbox = await deps.openBounceMailbox();
    try {
      for await (const batch of mailbox.unhandled()) {
        for (const message of batch) {
          report.messages++;
          const mail = await classifyReturnedMail(message.source);
          // Acted on first, flagged after: a crash in between leaves the message unflagged, and reading it
          // again finds its key recorded (a duplicate: no second effect), then flags it.
          if (await handle(mail, key, report)) await mailbox.markHandled(message.uid);
        }
      }
    } finally {
      await mailbox.close();
    }
    log.info({ ...report }, 'bounce mailbox checked');
    return report;
  }

  return { recordReturned, checkBounceMailbox, bounceMailboxConfigured: () => deps.openBounceMailbox !== undefined };
}

function emptyReport(): ReturnsReport {
  return { hardBounces: 0, softBounces: 0, complaints: 0, unsubscribes: 0, changed: 0, unattributed: 0, duplicates: 0 };
}
