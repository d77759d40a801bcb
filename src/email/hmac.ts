// Signing keys imported once (pure: node:crypto only), not from their string on every signature: several HMACs go into each
// message of a digest (its unsubscribe and preferences tokens, its Message-ID, its bounce tag).
import { createSecretKey, type KeyObject } from 'node:crypto';

const keys = new Map<string, KeyObject>();

/** The key as a KeyObject for createHmac: the same signatures as the string, without re-importing it. */
export function hmacKey(key: string): KeyObject {
  let found = keys.get(key);
  if (!found) {
    if (keys.size > 16) keys.clear();
    keys.set(key, (found = createSecretKey(Buffer.from(key, 'utf8'))));
  }
  return found;
}
