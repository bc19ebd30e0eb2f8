// autocannon ships no types; only what bench.ts uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
  }
  interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  type Tracker = EventEmitter & PromiseLike<Result>;
  function autocannon(options: Options): Tracker;
  export default autocannon;
}
