import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestScope } from './requests.js';

/**
 * What follows one unit of work through its awaits: the request being served (requests.ts) and the tally
 * of SQL statements it issues (statements.ts).
 *
 * One AsyncLocalStorage for both, not one each. On Node 20 every enabled AsyncLocalStorage is visited for
 * every promise created (async_hooks' init copies its store onto the new promise), and a GraphQL request
 * over 300 entities creates tens of thousands of promises: a second storage was about 3 % of a subgraph's
 * CPU for nothing. A frame is replaced, never changed in place, so a nested unit (a tally inside a
 * request) does not leak into the enclosing one.
 */
export interface Frame {
  readonly request?: RequestScope;
  readonly tally?: { count: number; statements: string[] | null };
}

export const frames = new AsyncLocalStorage<Frame>();

/** Runs `fn` in a frame that is the current one with `changes` applied. */
export function withFrame<T>(changes: Frame, fn: () => T): T {
  return frames.run({ ...frames.getStore(), ...changes }, fn);
}
