import { expect, it } from 'vitest';
import { startDovecot } from '../helpers/dovecot.js';
it('smoke', async () => {
  const s = await startDovecot();
  try {
    const uid = await s.append('From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n');
    expect(uid).toBe(1);
    expect(await s.messages()).toEqual([{ uid: 1, flags: [] }]);
  } finally {
    await s.stop();
  }
}, 30_000);
