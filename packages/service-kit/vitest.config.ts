import { defineConfig } from 'vitest/config';

// isolate: false: the files of one worker share the imported modules (no test mocks one or changes its state).
export default defineConfig({ test: { include: ['test/**/*.test.ts'], isolate: false } });
