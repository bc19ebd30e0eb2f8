/**
 * Preloaded (`node --import`) into every process the launcher starts. A launcher killed with SIGKILL cannot
 * stop its children; each child then notices on its own that its parent is gone and stops as if it had been
 * sent SIGTERM (its usual clean shutdown), so nothing keeps serving on the launcher's ports.
 * It changes nothing in a process not started by the launcher: without TREATY_LAUNCHER_PID it does nothing.
 */
const launcher = Number(process.env.TREATY_LAUNCHER_PID);
// Not passed on to anything this process starts in turn: its parent is not the launcher.
delete process.env.TREATY_LAUNCHER_PID;

if (launcher > 0) {
  // When the parent dies the process is re-parented and its ppid changes: unlike a pid looked up later,
  // that cannot be fooled by the launcher's pid being reused.
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    try {
      process.stderr.write(`launcher (pid ${launcher}) is gone; stopping\n`);
    } catch {
      // the launcher held the other end of this pipe
    }
    process.kill(process.pid, 'SIGTERM');
    // A process whose own shutdown hangs still goes.
    setTimeout(() => process.exit(1), 15_000).unref();
  }, 300);
  timer.unref();
}

export {};
