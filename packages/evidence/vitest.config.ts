import { defineConfig } from 'vitest/config';

// isolate: false: the files of one worker share the imported modules (no test mocks one or changes its state).
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, isolate: false } });
