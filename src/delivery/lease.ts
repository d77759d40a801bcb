// Leases: rows in the store that expire unless renewed, so a crashed holder's lapses on its own. Two kinds:
// - the digest check's ("digest"): of every process on one database, one at a time decides who is due and
//   opens the campaign (a check is never run by two at once);
// - each sending run's own ("run:<id>"): it says the run is alive. Any number of runs send one campaign
//   together, each claiming deliveries in batches; a run whose lease lapsed (or whose process is gone) is
//   dead, and the deliveries it left `sending` go back to the queue for the others.
import type { SubscriberStore } from '../subscribers/store.js';

/** The digest check's lease; named "digest" since the first version, when it also kept sending to one process. */
export const DIGEST_CHECK_LEASE = 'digest';

type LeaseStore = Pick<SubscriberStore, 'acquireLease' | 'releaseLease' | 'leaseHolder' | 'takeOverLease'>;

/** Who this process is in the lease table, and how it tells that another holder is gone. */
export interface LeaseIdentity {
  /** "host:pid:…" (see holderIsGoneOn). */
  holder: string;
  /** Whether a holder is known to be gone (a process of this machine that no longer runs): its lease is taken over at once. */
  isGone: (holder: string) => boolean;
}

export type LeaseOutcome<T> = { held: true; value: T } | { held: false; by: { holder: string; expiresAt: Date } | undefined };

/**
 * Run `work` while holding the named lease, renewing it every third of its lifetime. `lost()` turns true if
 * a renewal fails (this process stalled past the lease and another took over): the work must stop at its
 * next safe point. When another holder has the lease, `work` does not run.
 */
export async function withLease<T>(
  store: LeaseStore,
  name: string,
  who: LeaseIdentity,
  ttlMs: number,
  now: () => Date,
  work: (lost: () => boolean) => Promise<T>,
): Promise<LeaseOutcome<T>> {
  const { holder } = who;
  if (!(await store.acquireLease(name, holder, now(), ttlMs))) {
    const by = await store.leaseHolder(name);
    // A crashed holder's lease would otherwise block everyone until it expires.
    if (!by || !who.isGone(by.holder) || !(await store.takeOverLease(name, by.holder, holder, now(), ttlMs))) return { held: false, by };
  }
  let lost = false;
  // Renewals run one after another, and the release waits for the last: a renewal still on its way to
  // the database must not take the lease again after it was given up. One that fails cannot say the
  // lease is still ours, so it counts as lost.
  let renewal = Promise.resolve();
  const renew = setInterval(
    () => {
      renewal = renewal
        .then(async () => {
          if (!(await store.acquireLease(name, holder, now(), ttlMs))) lost = true;
        })
        .catch(() => {
          lost = true;
        });
    },
    Math.max(1000, ttlMs / 3),
  );
  try {
    return { held: true, value: await work(() => lost) };
  } finally {
    clearInterval(renew);
    await renewal;
    await store.releaseLease(name, holder);
  }
}

/** A sending run's lease: its name says which run, its holder which process. */
export function runLeaseName(runId: string): string {
  return `run:${runId}`;
}

/**
 * Put back in the queue what dead runs left `sending` in a campaign (Message-IDs kept: a resend is the same
 * message). A run is dead when its lease lapsed or was never there (it stopped, or predates run leases), or
 * its process is known to be gone. Returns how many deliveries came back, and how many other live runs
 * still hold some.
 */
export async function recoverDeadRuns(
  store: LeaseStore & Pick<SubscriberStore, 'runsInFlight' | 'releaseRun'>,
  campaignId: number,
  self: string,
  isGone: (holder: string) => boolean,
  now: Date,
): Promise<{ recovered: number; liveRuns: number }> {
  let recovered = 0;
  let liveRuns = 0;
  for (const { runId } of await store.runsInFlight(campaignId)) {
    if (runId === self) continue;
    const lease = runId === null ? undefined : await store.leaseHolder(runLeaseName(runId));
    if (lease && lease.expiresAt > now && !isGone(lease.holder)) {
      liveRuns++;
      continue;
    }
    recovered += await store.releaseRun(campaignId, runId, now);
    // Its lease row goes too, unless it was renewed meanwhile (then it is alive after all, and its next
    // per-message claim only wins rows still queued).
    if (lease && runId !== null) await store.releaseLease(runLeaseName(runId), lease.holder);
  }
  return { recovered, liveRuns };
}

/**
 * Lease holders are named "host:pid:…". A holder on this host whose process no longer exists is gone
 * (a SIGKILL, a crash); one on another host, or whose process runs, is not.
 */
export function holderIsGoneOn(host: string, isRunning: (pid: number) => boolean): (holder: string) => boolean {
  return (holder) => {
    const [holderHost, pidText] = holder.split(':');
    const pid = Number(pidText);
    return holderHost === host && Number.isInteger(pid) && pid > 0 && !isRunning(pid);
  };
}

/** Whether a process of this machine still runs (signal 0 checks without signalling; EPERM: it runs as someone else). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
