import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test file still gets its own database; the files of one worker share the imported modules
    // (no test mocks a module or changes one's state), which cut milestones' suite from 75 s to 19 s.
    isolate: false,
    // vitest's default is one worker fewer than the CPUs: one on a 2-core machine, where these files
    // (mostly waiting on processes, sockets and clocks) then ran one after another (283 s alone; 229 s with two).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    include: ['**/*.e2e.ts'],
    exclude: ['node_modules/**'],
    globalSetup: [fileURLToPath(import.meta.resolve('@treaty/testing/global-setup'))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
