// What comes back after a digest is sent: bounces, complaints and unsubscribe requests, as read from the
// bounce mailbox (classify.ts) or from a sending service's webhook (webhooks/). Plain data; the core
// decides who each is about and acts on it (core/returns.ts). Pure.

/** Where a returned event came from. */
export type ReturnedSource = 'mailbox' | 'ses' | 'postmark' | 'mailgun' | 'sendgrid';

/**
 * What happened:
 * - `hard-bounce`: a permanent failure (5.x.x but a full mailbox, or a failed action with no status): the address is dead.
 * - `soft-bounce`: a transient failure that the sending server gave up on (4.x.x, a full mailbox 5.2.2).
 * - `complaint`: the person marked the message as spam (an ARF report, a service's complaint event).
 * - `unsubscribe`: the person asked by mail (the List-Unsubscribe mailto) or a service reports an unsubscribe.
 */
export type ReturnedKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe';

/** Who a report is about, as far as it says. The core attributes it, trusting only what it can check. */
export interface ReturnedAbout {
  /** The address the report names: a DSN's Final-Recipient, a complaint's original To, a service's recipient. Lowercased. */
  address: string | undefined;
  /**
   * Our signed envelope tag (`bounces+<tag>@…`), when the report shows the address it was sent back to or
   * our original Return-Path: the local part after the `+`, as found (unverified).
   */
  tag: string | undefined;
  /** The Message-ID of our original message as the report quotes it, with its angle brackets ("<…@…>"). */
  messageId: string | undefined;
}

/** One returned event. A DSN for three recipients is three events; a webhook call may carry several. */
export interface ReturnedEvent {
  kind: ReturnedKind;
  about: ReturnedAbout;
  /** The enhanced status code ("5.1.1") when the report gives one. */
  status: string | undefined;
  /** The server's or service's words ("550 5.1.1 <x@example.com>: user unknown"), one line, at most 500 characters. */
  detail: string | undefined;
  source: ReturnedSource;
  /**
   * Unique to this event at its source, so an event handled twice (a mailbox message read again after a
   * crash, a webhook retried) acts once: "mailbox:<sha256 of the message>:<n>", "ses:<SNS MessageId>:<n>",
   * "postmark:<ID>", "mailgun:<event id>", "sendgrid:<sg_event_id>".
   */
  key: string;
  /** When the source says it happened (webhooks); undefined for mailbox reports (the time read is used). */
  at: Date | undefined;
}

/** A message read from the bounce mailbox, once understood. */
export type ReturnedMail =
  /** A delivery status notification (RFC 3464 or a server's own text form) or a complaint (RFC 5965 ARF). */
  | { kind: 'report'; events: ReturnedEvent[] }
  /**
   * A message to the List-Unsubscribe mailto: the candidate tokens found in its subject and body (the core
   * verifies them; an unverified request does nothing), and its From for the record.
   */
  | { kind: 'unsubscribe-request'; tokens: string[]; from: string | undefined; key: string }
  /** Understood, and needs nothing done: an auto-reply or out-of-office (RFC 3834), a delay notice (DSN Action: delayed). */
  | { kind: 'ignored'; reason: string; key: string }
  /** Not understood: left in the mailbox as it is, and counted. */
  | { kind: 'unknown'; reason: string; key: string };
