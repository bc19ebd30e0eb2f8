/**
 * Watches the process that started a detached embedded PostgreSQL and stops the server when that process is
 * gone without stopping it (killed with SIGKILL, or crashed), so no database outlives the launcher.
 * Started by startEmbeddedPostgres({ detached: true }) as `node guardian.js <json>`; the owner ends it
 * with SIGTERM once it has stopped the server itself.
 */
import { execFile } from 'node:child_process';

interface GuardianArgs {
  owner: number;
  pgCtl: string;
  databaseDir: string;
  uid?: number;
  gid?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as GuardianArgs;

// The owner is the parent: when it dies this process is re-parented, and its ppid changes. That, unlike a
// pid looked up later, cannot be fooled by the pid being reused by an unrelated process.
const timer = setInterval(() => {
  if (process.ppid === args.owner) return;
  clearInterval(timer);
  execFile(args.pgCtl, ['stop', '-D', args.databaseDir, '-m', 'fast', '-w', '-t', '30'], { uid: args.uid, gid: args.gid, env: { ...process.env, LC_MESSAGES: 'C' } }, () =>
    process.exit(0),
  );
}, 300);
