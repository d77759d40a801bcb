// Subscribers as JSON for the CLI's --json: stable camelCase field names (documented in the README),
// ISO 8601 dates, null for "none". Renaming a field here breaks people's scripts. Pure.
import type { DeliveryRecord, Subscriber, SubscriberEvent, Suppression } from './store.js';

const at = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function subscriberJson(s: Subscriber) {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    status: s.status,
    categories: s.categories,
    timezone: s.timezone,
    createdAt: at(s.createdAt),
    updatedAt: at(s.updatedAt),
    confirmedAt: at(s.confirmedAt),
    unsubscribedAt: at(s.unsubscribedAt),
    bouncedAt: at(s.bouncedAt),
    complainedAt: at(s.complainedAt),
    lastDigestUntil: at(s.lastDigestUntil),
    lastFailedAt: at(s.lastFailedAt),
  };
}

export function eventJson(e: SubscriberEvent) {
  return { event: e.event, detail: e.detail, at: at(e.at) };
}

export function deliveryJson(d: DeliveryRecord) {
  return {
    campaignId: d.campaignId,
    campaignSince: at(d.campaignSince),
    campaignUntil: at(d.campaignUntil),
    status: d.status,
    messageId: d.messageId,
    response: d.response,
    reason: d.reason,
    attempts: d.attempts,
    updatedAt: at(d.updatedAt),
  };
}

export function suppressionJson(s: Suppression | undefined) {
  return s ? { reason: s.reason, createdAt: at(s.createdAt) } : null;
}
