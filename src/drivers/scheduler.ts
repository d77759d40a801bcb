// The scheduler (node-cron): rebuild the feeds, check who is due a digest, and read the bounce mailbox.
// Jobs never overlap, and of several processes on one database only the holder of the "digest" lease sends.
import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import type { Config } from '../config.js';
import type { DigestSender, Publisher, Returns } from '../core/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { SENDING_LEASE, withSendingLease } from '../delivery/lease.js';
import type { SubscriberStore } from '../subscribers/store.js';

export interface SchedulerDeps {
  core: Publisher & Pick<DigestSender, 'runDueDigests'> & Partial<Pick<Returns, 'checkBounceMailbox' | 'bounceMailboxConfigured'>>;
  store: Pick<SubscriberStore, 'acquireLease' | 'releaseLease' | 'leaseHolder' | 'takeOverLease'>;
  config: Readonly<Config>;
  log: Logger;
  now: () => Date;
  /** This process, as named in the lease table. */
  holder: string;
  /** Whether another holder is known to be gone (see holderIsGoneOn): its lease is taken over at once. */
  isGone: (holder: string) => boolean;
  /** Calls `onChange` whenever a post file changes, until closed (throws when the folder cannot be watched); undefined = no watching. */
  watchContent?: ((onChange: () => void) => { close(): void }) | undefined;
}

export interface Scheduler {
  /** True once the digest lease was lost mid-send: the core stops at its next safe point. */
  readonly lostLease: boolean;
  /** Stop taking new work and wait for a running job to reach a safe point. */
  stop(): Promise<void>;
}

const DIGEST_LEASE = SENDING_LEASE;

export function startScheduler(deps: SchedulerDeps): Scheduler {
  const { core, store, config, log } = deps;
  const ttl = config.schedule.leaseSeconds * 1000;
  /** While a digest run holds the lease: whether a renewal failed (we stalled and another took over). */
  let isLost: () => boolean = () => false;
  let stopping = false;
  const running = new Set<Promise<unknown>>();
  /** Jobs with a run in flight in this process. */
  const busy = new Set<string>();
  const acquire = () => store.acquireLease(DIGEST_LEASE, deps.holder, deps.now(), ttl);

  // node-cron 4's hook for "only one instance runs this slot"; its default is an environment variable.
  const coordinator: RunCoordinator = {
    // The lease is ours already while the startup check runs (it is re-entrant per holder): without the
    // busy check a tick would run beside it and its onComplete would release the lease mid-send. Checked
    // again once the lease is answered for: a run may have started while the store was asked.
    shouldRun: async () => !busy.has('digest') && (await acquire()) && !busy.has('digest'),
    onComplete: () => store.releaseLease(DIGEST_LEASE, deps.holder),
  };

  const track =
    <T>(name: string, job: () => Promise<T>, describe: (r: T) => Record<string, unknown>) =>
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
        log.info({ job: name, outcome: 'ok', ms: Math.round(performance.now() - started), ...describe(result) }, `${name} finished`);
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
  const digest = track(
    'digest',
    async () => {
      // A loss belongs to the run it happened in (reset after it): left set, every later send would stop at once.
      const r = await withSendingLease(
        store,
        deps.holder,
        ttl,
        deps.now,
        (lost) => {
          isLost = lost;
          return core.runDueDigests();
        },
        deps.isGone,
      );
      isLost = () => false;
      return r.held ? r.value : { leaseHeldElsewhere: true as const };
    },
    (r) =>
      'leaseHeldElsewhere' in r
        ? { idle: 'another process holds the digest lease' }
        : { campaign: r.campaignId, submitted: r.submitted, skipped: r.skipped, failed: r.failed, ...(r.idle ? { idle: r.idle } : {}) },
  );

  // Several processes may read the mailbox at once: each message acts once (its key is recorded), so no lease is needed.
  const bounceCheck = track(
    'bounce check',
    () => core.checkBounceMailbox!(),
    (r) => ({
      messages: r.messages,
      hardBounces: r.hardBounces,
      softBounces: r.softBounces,
      complaints: r.complaints,
      unsubscribes: r.unsubscribes,
      unknown: r.unknown,
    }),
  );

  const tz = config.site.timezone;
  const tasks: ScheduledTask[] = [
    ...(core.bounceMailboxConfigured?.()
      ? [cron.schedule(config.schedule.bounceCheck, () => bounceCheck(), { name: 'bounce check', timezone: tz, noOverlap: true })]
      : []),
    cron.schedule(config.schedule.rebuild, () => rebuild(), { name: 'rebuild', timezone: tz, noOverlap: true }),
    cron.schedule(config.schedule.digestCheck, () => digest(), {
      name: 'digest',
      timezone: tz,
      noOverlap: true,
      distributed: true,
      runCoordinator: coordinator,
      distributedLease: ttl,
    }),
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
    get lostLease() {
      return isLost();
    },
    async stop() {
      stopping = true;
      watcher?.close();
      clearTimeout(timer); // a rebuild waiting on a content change would otherwise keep the process up
      for (const task of tasks) await task.destroy();
      await Promise.allSettled([...running]);
    },
  };
}
