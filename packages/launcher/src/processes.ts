import { spawn, type ChildProcess } from 'node:child_process';

/** Preloaded into every child: it stops the child when the launcher is gone (see watchdog.ts). */
const WATCHDOG = new URL('./watchdog.js', import.meta.url).href;

/** A child process whose output is shown line by line with its name in front. */
export interface Supervised {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  recent: string[];
}

/**
 * A log line as a person reads it: `msg key=value …`. A string value is shown bare only when it is one
 * plain word; anything else (a space, `=`, a quote, a control character) is quoted as JSON, so a value
 * from a caller (an agency name in a token) cannot pose as more fields: `agency=Evil outcome=ok`.
 */
export function humanise(line: string): string {
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    if (typeof j.msg !== 'string') return line;
    const { t: _t, level, service: _s, msg, ...rest } = j;
    const shown = (v: unknown) => (typeof v === 'string' && /^[^\s="'\\\p{Cc}\p{Cf}]+$/u.test(v) ? v : JSON.stringify(v));
    const extra = Object.entries(rest).map(([k, v]) => `${k}=${shown(v)}`).join(' ');
    return `${level === 'info' ? '' : `${String(level).toUpperCase()} `}${msg}${extra ? ` ${extra}` : ''}`;
  } catch {
    return line;
  }
}

/**
 * With TREATY_CPU_PROFILE_DIR set (npm run bench -- --profile DIR), every child writes a V8 CPU profile
 * there when it exits, for Chrome DevTools or speedscope: how the next engineer finds where time goes.
 */
export function profileArgs(env: Record<string, string | undefined>): string[] {
  const dir = env.TREATY_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export function supervise(name: string, file: string, env: Record<string, string | undefined>, echo: (line: string) => void): Supervised {
  // Its own process group: a terminal's Ctrl-C reaches only the launcher, which stops children in order.
  const child = spawn(process.execPath, [...profileArgs(env), '--import', WATCHDOG, file], {
    env: { ...env, TREATY_LAUNCHER_PID: String(process.pid) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const recent: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const raw of chunk.toString('utf8').split('\n')) {
      if (!raw.trim()) continue;
      const line = humanise(raw);
      recent.push(line);
      if (recent.length > 30) recent.shift();
      echo(`[${name}] ${line}`);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, exited, recent };
}

/** Waits until `url` answers 200, or fails when the process exits or `timeoutMs` passes. */
export async function waitHealthy(proc: Supervised, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} stopped while starting. Its last output:\n  ${proc.recent.slice(-10).join('\n  ')}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} did not become healthy at ${url} within ${timeoutMs / 1000} s. Its last output:\n  ${proc.recent.slice(-10).join('\n  ')}`);
}

/** Sends SIGTERM and waits; SIGKILL after `graceMs`. */
export async function stopProcess(proc: Supervised, graceMs = 10_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}
