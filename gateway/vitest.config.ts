import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The files of one worker share the imported modules (no test mocks a module or changes one's state):
  // importing the gateway's graph once per file was most of this suite's time.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, isolate: false },
});
