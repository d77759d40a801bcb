// The core's capabilities take their dependencies as required parameters: one left out is a type error,
// not a failure at run time. The @ts-expect-error lines are checked by `npm run typecheck` (tsc compiles
// the tests); should a dependency become optional again, its line no longer errs and tsc fails.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createCore } from '../../src/core.js';
import { createSiteBuilder } from '../../src/core/build.js';
import { createDigestPreviews, createDigestSender, createStatusReader } from '../../src/core/digests.js';
import { createReturns } from '../../src/core/returns.js';
import { createSignups, createSubscriberAdmin } from '../../src/core/subscriptions.js';
import { createOutboxMailer } from '../../src/delivery/mailer.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';

const config = parseConfig({ site: { url: 'https://news.example.com/' } });
const base = { now: () => new Date('2026-11-30T08:00:00Z'), cwd: '/nonexistent' };

describe('capabilities', () => {
  it('cannot be made without what they need', async () => {
    const store = openSqliteStore(':memory:');
    const mailer = createOutboxMailer('/nonexistent/outbox');
    const env = {};
    const made = [
      createSiteBuilder(config, base),
      createDigestPreviews(config, { ...base, env }),
      createStatusReader(config, { ...base, store }),
      createSubscriberAdmin(config, { ...base, env, store }),
      createSignups(config, { ...base, env, store, mailer }),
      createDigestSender(config, { ...base, env, store, mailer }),
      createCore(config, { ...base, env, store, mailer }),
      createReturns(config, { ...base, env, store }),
    ];
    const missing = [
      // @ts-expect-error the environment (for the signing key) is required
      () => createDigestPreviews(config, base),
      // @ts-expect-error the store is required
      () => createStatusReader(config, base),
      // @ts-expect-error the store is required
      () => createSubscriberAdmin(config, { ...base, env }),
      // @ts-expect-error the mailer is required
      () => createSignups(config, { ...base, env, store }),
      // @ts-expect-error the mailer is required
      () => createDigestSender(config, { ...base, env, store }),
      // @ts-expect-error the store is required
      () => createReturns(config, { ...base, env }),
      // @ts-expect-error the store is required
      () => createDigestSender(config, { ...base, env, mailer }),
      // @ts-expect-error the store and the mailer are required
      () => createCore(config, { ...base, env }),
    ];
    expect(made.every((capability) => typeof capability === 'object')).toBe(true);
    expect(missing).toHaveLength(8);
    await store.close();
  });

  it('the whole core (start, serve) has the use cases of every capability', async () => {
    const store = openSqliteStore(':memory:');
    const core = createCore(config, { ...base, env: {}, store, mailer: createOutboxMailer('/nonexistent/outbox') });
    expect(Object.keys(core).sort()).toEqual(
      [
        'build',
        'explain',
        'rebuild',
        'addSubscriber',
        'removeSubscriber',
        'reactivateBounced',
        'listSubscribers',
        'showSubscriber',
        'deleteSubscriber',
        'addPendingSubscriber',
        'importSubscribers',
        'subscribe',
        'confirmSubscription',
        'unsubscribeByToken',
        'readPreferences',
        'savePreferences',
        'settled',
        'previewDigest',
        'previewInMemory',
        'archivePage',
        'sendDigest',
        'runDueDigests',
        'joinCampaign',
        'status',
        'recordReturned',
        'checkBounceMailbox',
        'bounceMailboxConfigured',
      ].sort(),
    );
    expect((await core.status()).subscribers).toEqual({ active: 0, pending: 0, unsubscribed: 0, bounced: 0 });
    await store.close();
  });
});
