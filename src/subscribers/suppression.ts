// The suppression list's key for an address: what is left of a subscriber erased on request. Pure.
import { createHmac } from 'node:crypto';
import { hmacKey } from '../email/hmac.js';

/** Why an address is on the suppression list after `subscribers delete`. */
export const DELETED_ON_REQUEST = 'deleted on request';

/**
 * HMAC-SHA256 of the normalised address, keyed with the site's signing key: it recognises the address
 * when it comes back, and without the key it cannot be matched against a list of guessed addresses
 * (a plain hash could). The entries only match under the key they were made with: a new signing key
 * leaves the old ones unrecognisable.
 */
export function suppressionHash(normalizedEmail: string, signingKey: string): string {
  return createHmac('sha256', hmacKey(signingKey)).update(`suppression\n${normalizedEmail}`).digest('hex');
}
