// Reads the webhook fixtures (test/fixtures/webhooks/, shaped as the services document them): raw text,
// or a fresh parsed copy each time, so no test changes what another sees.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/webhooks/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(`${dir}${name}`, 'utf8');
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are JSON the tests reshape freely.
export function fixture(name: string): any {
  return JSON.parse(fixtureText(name));
}

export const NOW = new Date('2024-05-06T08:00:00.000Z');
export const minutes = (n: number) => n * 60 * 1000;
export const hours = (n: number) => n * 60 * 60 * 1000;
export const ago = (ms: number) => new Date(NOW.getTime() - ms);
