// The envelope sender's tag (VERP): `bounces+b-<campaign>-<subscriber>-<mac>@example.com`, so a bounce sent
// back to it names the delivery it is about without its body being read, and cannot be forged (the mac is
// an HMAC with the signing key). Lowercase only: some servers lowercase the local part. Pure.
import { createHmac } from 'node:crypto';
import { hmacKey } from './hmac.js';
import type { Config } from '../config.js';

/** What a tag names: a delivery of a campaign, or (campaign 0) another message to the subscriber (a confirmation request). */
export interface BounceTagged {
  campaignId: number;
  subscriberId: number;
}

const TAG = /^b-(\d{1,15})-(\d{1,15})-([0-9a-f]{16})$/;

export function bounceTag({ campaignId, subscriberId }: BounceTagged, key: string): string {
  return `b-${campaignId}-${subscriberId}-${mac(campaignId, subscriberId, key)}`;
}

/** The delivery a genuine tag names; undefined for anything else (a forged, altered or foreign tag). */
export function readBounceTag(tag: string, key: string): BounceTagged | undefined {
  const m = TAG.exec(tag.toLowerCase());
  if (!m) return undefined;
  const campaignId = Number(m[1]);
  const subscriberId = Number(m[2]);
  return mac(campaignId, subscriberId, key) === m[3] ? { campaignId, subscriberId } : undefined;
}

/** `bounces@example.com` + tag → `bounces+tag@example.com`. */
export function taggedAddress(address: string, tag: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}+${tag}${address.slice(at)}`;
}

function mac(campaignId: number, subscriberId: number, key: string): string {
  return createHmac('sha256', hmacKey(key)).update(`broadsheet-bounce-v1.${campaignId}.${subscriberId}`).digest('hex').slice(0, 16);
}

/** Where returned mail goes, for the messages sent: see returnPathsOf. */
export interface ReturnPaths {
  /** The envelope sender to tag per message (`bounces.address`); undefined: the From address, untagged. */
  bounceAddress: string | undefined;
  /** The address of the `mailto:` unsubscribe; undefined: `List-Unsubscribe` carries only the https link. */
  unsubscribeMailbox: string | undefined;
}

/**
 * The return paths, given whether Broadsheet reads a bounce mailbox (`mailboxIsRead`). The mailto unsubscribe
 * is advertised only then (an unread mailbox would ignore requests, which the law does not allow): at
 * `email.unsubscribeMailbox`, else the bounce address tagged `+unsubscribe`.
 */
export function returnPathsOf(config: Pick<Config, 'email' | 'bounces'>, mailboxIsRead: boolean): ReturnPaths {
  const bounceAddress = config.bounces.address;
  const unsubscribeMailbox = !mailboxIsRead
    ? undefined
    : (config.email.unsubscribeMailbox ?? (bounceAddress === undefined ? undefined : taggedAddress(bounceAddress, 'unsubscribe')));
  return { bounceAddress, unsubscribeMailbox };
}

/** The envelope sender of one message: the bounce address tagged for (campaign, subscriber); undefined without one. */
export function returnPathFor(paths: ReturnPaths, tagged: BounceTagged, key: string): string | undefined {
  return paths.bounceAddress === undefined ? undefined : taggedAddress(paths.bounceAddress, bounceTag(tagged, key));
}
