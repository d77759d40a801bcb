// A real IMAP server for tests: Debian's Dovecot (package dovecot-imapd, installed by .ci/run), started
// in the foreground on a loopback port with its own config, one throwaway mail user and a Maildir in a
// temp folder. Tests deliver messages with IMAP APPEND and read flags back, through imapflow.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { sharedTempDir } from './temp-dir.js';

export const DOVECOT = '/usr/sbin/dovecot';
export const hasDovecot = existsSync(DOVECOT);

export interface TestImapServer {
  port: number;
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:port/INBOX */
  url: string;
  /** Deliver a message into INBOX; its UID. */
  append(raw: string | Buffer, flags?: string[]): Promise<number>;
  /** Every message in INBOX: UID and flags. */
  messages(): Promise<Array<{ uid: number; flags: string[] }>>;
  stop(): Promise<void>;
}

export async function startDovecot(): Promise<TestImapServer> {
  const root = await sharedTempDir('dovecot');
  const port = await freePort();
  const user = 'bounces';
  const password = 'test-password';
  const home = path.join(root, 'home');
  await Promise.all(['run', 'state', 'home'].map((d) => mkdir(path.join(root, d), { recursive: true })));
  // As root (CI), mail is kept as nobody and Dovecot's own processes run as its package's users; as anyone
  // else, all of it runs as that user.
  const isRoot = process.getuid?.() === 0;
  const me = userInfo();
  const mailUid = isRoot ? 65534 : me.uid;
  const mailGid = isRoot ? 65534 : me.gid;
  if (isRoot) {
    // Dovecot's auth process (user dovecot) reads the passwd file, and the mail process (nobody) the home.
    await chmod(root, 0o755);
    await chown(home, mailUid, mailGid);
  }
  await writeFile(path.join(root, 'passwd'), `${user}:{PLAIN}${password}\n`);
  const conf = path.join(root, 'dovecot.conf');
  await writeFile(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${root}/run
state_dir = ${root}/state
log_path = ${root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${root}/passwd
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${home}/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
default_internal_user = ${isRoot ? 'dovecot' : me.username}
default_internal_group = ${isRoot ? 'dovecot' : me.username}
default_login_user = ${isRoot ? 'dovenull' : me.username}
`,
  );
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child, () => stderr);

  const client = async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    async append(raw, flags = []) {
      const c = await client();
      try {
        const result = await c.append('INBOX', raw, flags);
        if (!result || typeof result.uid !== 'number') throw new Error('APPEND gave no UID');
        return result.uid;
      } finally {
        await c.logout();
      }
    },
    async messages() {
      const c = await client();
      try {
        const lock = await c.getMailboxLock('INBOX');
        try {
          const found = await c.fetchAll('1:*', { uid: true, flags: true }).catch(() => []);
          // \Recent is the server's, session by session: not what a test asks about.
          return found.map((m) => ({ uid: m.uid, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() }));
        } finally {
          lock.release();
        }
      } finally {
        await c.logout();
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port} within 15 s: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
