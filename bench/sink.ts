// A minimal SMTP sink for benchmarks: accepts everything on 127.0.0.1, counts messages, parses nothing.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export async function startSink(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 0,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received++;
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, count: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
