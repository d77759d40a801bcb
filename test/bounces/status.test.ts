// `broadsheet status` shows what came back of each recent campaign (issue 17 §4): bounces and complaints
// with their rates, and a warning past the thresholds mailbox providers publish; `subscribers list
// --status complained` finds those a complaint unsubscribed.
import path from 'node:path';
import { expect, it } from 'vitest';
import { runMain } from '../helpers/run-main.js';
import { DATABASE_FILE } from '../../src/adapters.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { tempSite } from '../helpers/site.js';

const NOW = new Date('2026-12-01T09:00:00Z');

it('reports each campaign’s bounces and complaints with their rates, warns past the thresholds, and lists the complainers', async () => {
  const site = await tempSite('returns-status');
  const store = openSqliteStore(path.join(site.data, DATABASE_FILE));
  // 100 sent; 3 hard bounces and 1 complaint: 3% bounces, 1% complaints.
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) ids.push((await store.add({ email: `reader${i}@example.org`, status: 'active' }, NOW)).subscriber.id);
  const campaign = await store.createCampaign({ since: new Date('2026-11-23T00:00:00Z'), until: new Date('2026-11-30T00:00:00Z') }, NOW);
  for (const [i, id] of ids.entries()) {
    expect(await store.claimDelivery(campaign.id, id, 'run', `<m${i}@example.com>`, NOW)).toBe(true);
    await store.markSubmitted(campaign.id, id, '250 ok', campaign.until, NOW);
  }
  await store.finishCampaign(campaign.id, NOW);
  const soft = { limit: 3, since: new Date(0) };
  for (const i of [0, 1, 2]) {
    await store.recordReturn(
      { key: `h${i}`, kind: 'hard-bounce', subscriberId: ids[i], campaignId: campaign.id, status: '5.1.1', detail: undefined, source: 'mailbox', at: NOW },
      soft,
    );
  }
  await store.recordReturn(
    { key: 'c', kind: 'complaint', subscriberId: ids[50], campaignId: campaign.id, status: undefined, detail: 'abuse', source: 'ses', at: NOW },
    soft,
  );
  await store.close();

  const run = (...args: string[]) => runMain(args, { cwd: site.root, now: NOW });
  const text = await run('status');
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('0 pending, 96 active, 1 unsubscribed, 3 bounced (1 of them unsubscribed by a spam complaint)');
  expect(text.stdout).toContain('came back: 3 bounce(s) (3.00%; 3 hard), 1 complaint(s) (1.00%), 0 unsubscribe(s) by mail');
  expect(text.stdout).toMatch(/warning: complaint rate 1\.00% is at or over 0\.3%/);
  expect(text.stdout).toMatch(/warning: bounce rate 3\.00% is over 2%/);

  const json = JSON.parse((await run('status', '--json')).stdout) as {
    complained: number;
    campaigns: Array<{ returns: Record<string, number>; rates: Record<string, number>; warnings: string[] }>;
  };
  expect(json.complained).toBe(1);
  expect(json.campaigns[0]).toMatchObject({
    returns: { hardBounces: 3, softBounces: 0, complaints: 1, unsubscribes: 0 },
    rates: { bounce: 0.03, complaint: 0.01 },
  });
  expect(json.campaigns[0]!.warnings).toHaveLength(2);

  const complained = await run('subscribers', 'list', '--status', 'complained');
  expect(
    complained.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[0]),
  ).toEqual(['reader50@example.org']);
});
