// Only one process sends at a time, whoever started it (`broadsheet send`, the scheduler in any number
// of `broadsheet start` processes on one database): the holder of the sending lease, a row in the
// store that expires unless renewed, so a crashed holder's lease lapses on its own.
import type { SubscriberStore } from '../subscribers/store.js';

/** The lease every sender takes; named "digest" since the first version (existing databases keep it). */
export const SENDING_LEASE = 'digest';

export type LeaseOutcome<T> = { held: true; value: T } | { held: false; by: { holder: string; expiresAt: Date } | undefined };

/**
 * Run `work` while holding the sending lease, renewing it every third of its lifetime. `lost()` turns
 * true if a renewal fails (this process stalled past the lease and another took over): the work must
 * stop at its next safe point. When another holder has the lease, `work` does not run.
 */
export async function withSendingLease<T>(
  store: Pick<SubscriberStore, 'acquireLease' | 'releaseLease' | 'leaseHolder' | 'takeOverLease'>,
  holder: string,
  ttlMs: number,
  now: () => Date,
  work: (lost: () => boolean) => Promise<T>,
  /** Whether a holder is known to be gone (a process of this machine that no longer runs): its lease is taken over at once. */
  isGone: (holder: string) => boolean,
): Promise<LeaseOutcome<T>> {
  if (!(await store.acquireLease(SENDING_LEASE, holder, now(), ttlMs))) {
    const by = await store.leaseHolder(SENDING_LEASE);
    // A crashed sender's lease would otherwise block everyone until it expires.
    if (!by || !isGone(by.holder) || !(await store.takeOverLease(SENDING_LEASE, by.holder, holder, now(), ttlMs))) return { held: false, by };
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
          if (!(await store.acquireLease(SENDING_LEASE, holder, now(), ttlMs))) lost = true;
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
    await store.releaseLease(SENDING_LEASE, holder);
  }
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
