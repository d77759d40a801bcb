// The version of the cleanup's rules, apart from the rules themselves: a build where nothing changed
// keys its caches by it without loading them (the rules are the larger module).

/**
 * Bumped whenever a change to the rules (furniture.ts, posted-time.ts) changes what they find: heads and
 * rendered outputs kept by earlier builds were cut by the old rules, and are read again.
 */
export const FURNITURE_RULES_VERSION = 1;
