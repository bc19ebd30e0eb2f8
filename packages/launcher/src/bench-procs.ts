import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * What `npm run bench` reads from /proc about the processes of the stack: CPU time, memory, parentage,
 * command line and environment. Linux only, as the benchmark says when it starts.
 */

/** Clock ticks per second, for the CPU fields of /proc/<pid>/stat. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  ppid: number;
  /** User and system CPU of the process itself, in ms. */
  cpuMs: number;
  /** CPU of its children that have exited and been waited for, in ms (PostgreSQL's finished backends). */
  childrenCpuMs: number;
}

export function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i - 3]);
    return { ppid: n(4), cpuMs: ((n(14) + n(15)) * 1000) / TICKS, childrenCpuMs: ((n(16) + n(17)) * 1000) / TICKS };
  } catch {
    return null;
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

export function childrenOf(pid: number, pids = allPids()): number[] {
  return pids.filter((p) => stat(p)?.ppid === pid);
}

export function descendantsOf(pid: number): number[] {
  const pids = allPids();
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of childrenOf(p, pids)) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export function environ(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** Resident set size now, in MB. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * A process to account for: one pid, or a tree (PostgreSQL: the postmaster and its backends, whose
 * exited children are counted through the postmaster's children's CPU).
 */
export interface Accounted {
  name: string;
  pid: number;
  tree?: boolean;
}

export function cpuMsOf(p: Accounted): number {
  const own = stat(p.pid);
  if (!own) return 0;
  if (!p.tree) return own.cpuMs;
  return own.cpuMs + own.childrenCpuMs + descendantsOf(p.pid).reduce((s, c) => s + (stat(c)?.cpuMs ?? 0), 0);
}

export function cpuSnapshot(procs: Accounted[]): Map<string, number> {
  return new Map(procs.map((p) => [p.name, cpuMsOf(p)]));
}
