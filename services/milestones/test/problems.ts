import { BadUserInputError, Problems } from '@treaty/service-kit';

/** What a pure input check finds, as `path: message` lines; empty when it finds nothing. */
export function problems(check: (p: Problems) => void): string[] {
  const p = new Problems();
  check(p);
  try {
    p.throwIfAny();
    return [];
  } catch (e) {
    if (!(e instanceof BadUserInputError)) throw e;
    return e.problems.map((x) => `${x.path}: ${x.message}`);
  }
}
