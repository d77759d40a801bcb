// The scheduler (node-cron): rebuild the feeds, check who is due a digest, and read the bounce mailbox.
// Jobs never overlap in a process. Of several processes on one database, one at a time decides who is due
// (the core's digest check lease) and all send the campaign together; one at a time reads the mailbox.
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config.js';
import type { DigestSender, Publisher, Returns } from '../core/types.js';
import type { SendReport } from '../delivery/send-digest.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { type LeaseIdentity, withLease } from '../delivery/lease.js';
import type { SubscriberStore } from '../subscribers/store.js';

export interface SchedulerDeps {
  core: Publisher & Pick<DigestSender, 'runDueDigests' | 'joinCampaign'> & Partial<Pick<Returns, 'checkBounceMailbox' | 'bounceMailboxConfigured'>>;
  store: Pick<SubscriberStore, 'acquireLease' | 'releaseLease' | 'leaseHolder' | 'takeOverLease'>;
  config: Readonly<Config>;
  log: Logger;
  now: () => Date;
  /** This process in the lease table (the same identity the core's sending runs use). */
  instance: LeaseIdentity;
  /** Calls `onChange` whenever a post file changes, until closed (throws when the folder cannot be watched); undefined = no watching. */
  watchContent?: ((onChange: () => void) => { close(): void }) | undefined;
}

export interface Scheduler {
  /** Stop taking new work and wait for a running job to reach a safe point. */
  stop(): Promise<void>;
}

/**
 * How often an idle process looks for a campaign another process is sending (a `send` by hand, one a crash
 * left unfinished) and joins it, rather than waiting for its next digest check.
 */
export const JOIN_POLL_MS = 30_000;

/** Read by one process at a time: two would only read the same messages twice (each acts once anyway). */
const BOUNCE_CHECK_LEASE = 'bounce-check';

export function startScheduler(deps: SchedulerDeps): Scheduler {
  const { core, store, config, log } = deps;
  const ttl = config.schedule.leaseSeconds * 1000;
  let stopping = false;
  const running = new Set<Promise<unknown>>();
  /** Jobs with a run in flight in this process. */
  const busy = new Set<string>();

  const track =
    <T>(name: string, job: () => Promise<T>, describe: (r: T) => Record<string, unknown>, quiet: (r: T) => boolean = () => false) =>
    async () => {
      if (stopping) return;
      // node-cron's noOverlap only sees its own runs, not the startup check or the content watcher's rebuilds.
      if (busy.has(name)) {
        log.info({ job: name, outcome: 'skipped' }, `${name} skipped: the previous run is still going`);
        return;
      }
      busy.add(name);
      const started = performance.now();
      const work = job();
      running.add(work);
      try {
        const result = await work;
        if (!quiet(result)) log.info({ job: name, outcome: 'ok', ms: Math.round(performance.now() - started), ...describe(result) }, `${name} finished`);
      } catch (err) {
        log.error({ job: name, outcome: 'failed', ms: Math.round(performance.now() - started), error: describeError(err) }, `${name} failed`);
      } finally {
        running.delete(work);
        busy.delete(name);
      }
    };

  const rebuild = track(
    'rebuild',
    () => core.rebuild(),
    (r) => ({ posts: r.published, written: r.written.length, errors: r.errors.length }),
  );
  // Every process runs the check: the core lets one decide who is due, and all of them send what it opened.
  const describeSend = (r: SendReport) => ({
    campaign: r.campaignId,
    submitted: r.submitted,
    skipped: r.skipped,
    failed: r.failed,
    ...(r.idle ? { idle: r.idle } : {}),
  });
  const digest = track('digest', () => core.runDueDigests(), describeSend);
  // Between checks, a campaign another process is sending is joined: quietly when there is none.
  const join = track(
    'digest',
    () => core.joinCampaign(),
    describeSend,
    (r) => r.idle !== undefined,
  );
  const joinPoll = setInterval(() => {
    if (!stopping && !busy.has('digest')) void join();
  }, JOIN_POLL_MS);

  const bounceCheck = track(
    'bounce check',
    async () => {
      const r = await withLease(store, BOUNCE_CHECK_LEASE, deps.instance, ttl, deps.now, () => core.checkBounceMailbox!());
      return r.held ? r.value : undefined;
    },
    (r) =>
      r
        ? {
            messages: r.messages,
            hardBounces: r.hardBounces,
            softBounces: r.softBounces,
            complaints: r.complaints,
            unsubscribes: r.unsubscribes,
            unknown: r.unknown,
          }
        : { idle: 'another process is reading the bounce mailbox' },
  );

  const tz = config.site.timezone;
  const tasks: ScheduledTask[] = [
    ...(core.bounceMailboxConfigured?.()
      ? [cron.schedule(config.schedule.bounceCheck, () => bounceCheck(), { name: 'bounce check', timezone: tz, noOverlap: true })]
      : []),
    cron.schedule(config.schedule.rebuild, () => rebuild(), { name: 'rebuild', timezone: tz, noOverlap: true }),
    cron.schedule(config.schedule.digestCheck, () => digest(), { name: 'digest', timezone: tz, noOverlap: true }),
  ];

  // node-cron never catches up runs missed while the process was down: any subscriber whose slot
  // passed meanwhile is handled now, once (the driver rebuilt the feeds before starting us).
  void digest();

  let watcher: { close(): void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (deps.watchContent) {
    try {
      watcher = deps.watchContent(() => {
        clearTimeout(timer);
        timer = setTimeout(() => void rebuild(), 2000);
      });
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'cannot watch the content folder: feeds rebuild on schedule only');
    }
  }

  return {
    async stop() {
      stopping = true;
      clearInterval(joinPoll);
      watcher?.close();
      clearTimeout(timer); // a rebuild waiting on a content change would otherwise keep the process up
      for (const task of tasks) await task.destroy();
      await Promise.allSettled([...running]);
    },
  };
}
