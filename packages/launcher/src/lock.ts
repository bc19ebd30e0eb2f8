import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Who holds a data directory: written into `<dir>/launcher.lock` by the launcher that runs on it. */
export interface LockHolder {
  pid: number;
  /** ISO 8601, when that launcher started. */
  startedAt: string;
  /** The playground URL it serves, to name it in the refusal. */
  gateway: string;
  /** Its script (process.argv[1]): a live pid running something else is a reused pid, not a launcher. */
  script: string;
}

export type LockResult =
  | { acquired: true; file: string; /** The launcher that held the lock and died without releasing it. */ stale?: LockHolder }
  | { acquired: false; file: string; holder: LockHolder };

export const LOCK_FILE = 'launcher.lock';

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' ? h : null;
  } catch {
    return null;
  }
}

/** True when `holder` is a running process that is still that launcher. */
export function isAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // After a reboot the pid may belong to anything: where /proc exists, the command line must still name the
  // script (as typed, so relative or absolute: compare the file name).
  try {
    const name = path.basename(holder.script);
    return readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').split('\0').some((arg) => path.basename(arg) === name);
  } catch {
    return true;
  }
}

/**
 * Takes `<dir>/launcher.lock` for this process, or reports the live launcher that holds it. A lock left by a
 * launcher that died (SIGKILL, a crash) is taken over. Creation is atomic (link of a complete file), so two
 * launchers starting at once cannot both win, and a reader never sees a half-written lock.
 */
export function acquireLock(dir: string, me: Omit<LockHolder, 'pid'>): LockResult {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, ...me };
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, JSON.stringify(mine));
  let stale: LockHolder | undefined;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, file);
        return { acquired: true, file, stale };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(file);
      if (holder && isAlive(holder)) return { acquired: false, file, holder };
      // Moved aside rather than deleted: if another launcher took the lock between our read and now,
      // the file we moved is its live lock, and we put it back and step aside.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readHolder(aside);
      if (moved && moved.pid !== holder?.pid && isAlive(moved)) {
        try {
          linkSync(aside, file);
        } catch {
          // a third launcher holds it now; it is the one to name
        }
        unlinkSync(aside);
        return { acquired: false, file, holder: readHolder(file) ?? moved };
      }
      unlinkSync(aside);
      stale = moved ?? holder ?? stale;
    }
    throw new Error(`Could not take the lock ${file}: it keeps changing. Is another launcher starting on ${dir}?`);
  } finally {
    unlinkSync(draft);
  }
}

/** Removes the lock if it is still this process's (never another launcher's). Synchronous: it runs on 'exit'. */
export function releaseLock(file: string): void {
  if (readHolder(file)?.pid !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
