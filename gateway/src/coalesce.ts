import { Kind, parse, print, type SelectionSetNode } from 'graphql';

/**
 * One read, asked once per request.
 *
 * The query planner plans by path, not by entity: when the headline query reaches the same agreement
 * at `agreement` and again at `agreement.milestones.@.agreement` (a milestone's `@requires` of its
 * agreement's snap-back state, say), it fetches the same fields of the same entity from the same
 * subgraph twice. Within one client request, a read whose variables (the representations) equal an
 * earlier read's, and whose selection that earlier read covers, takes the earlier answer instead of
 * crossing the network again. Answers cannot differ: same subgraph, same inputs, same request, and a
 * query writes nothing. Mutations are never coalesced.
 */

/** A selection set reduced to what decides its answer: response key, field, arguments; fragments by type. */
export type Shape = Map<string, Shape>;

const SHAPES = new Map<string, Shape | null>();
const MAX_SHAPES = 2_000;

function shapeOfSelection(set: SelectionSetNode | undefined): Shape {
  const shape: Shape = new Map();
  for (const s of set?.selections ?? []) {
    let key: string;
    let child: Shape;
    if (s.kind === Kind.FIELD) {
      const args = (s.arguments ?? []).map((a) => `${a.name.value}:${print(a.value)}`).sort().join(',');
      key = `${s.alias?.value ?? s.name.value}=${s.name.value}(${args})`;
      child = shapeOfSelection(s.selectionSet);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      key = `...${s.typeCondition?.name.value ?? ''}`;
      child = shapeOfSelection(s.selectionSet);
    } else {
      // Named fragments are not used by the planner's fetches; refuse to reason about them.
      throw new Error('named fragment');
    }
    // Two selections of one key (split by the planner) merge.
    const existing = shape.get(key);
    shape.set(key, existing ? merge(existing, child) : child);
  }
  return shape;
}

function merge(a: Shape, b: Shape): Shape {
  const out: Shape = new Map(a);
  for (const [k, v] of b) out.set(k, out.has(k) ? merge(out.get(k)!, v) : v);
  return out;
}

/**
 * The shape of a fetch's query, or null when it must not be coalesced (a mutation, a subscription,
 * directives, named fragments, several operations). Cached by text: the planner's fetches are few.
 */
export function shapeOf(query: string): Shape | null {
  const cached = SHAPES.get(query);
  if (cached !== undefined) return cached;
  let shape: Shape | null = null;
  try {
    const doc = parse(query);
    const ops = doc.definitions;
    const op = ops[0];
    if (ops.length === 1 && op?.kind === Kind.OPERATION_DEFINITION && op.operation === 'query' && !query.includes('@')) {
      shape = shapeOfSelection(op.selectionSet);
    }
  } catch {
    shape = null;
  }
  if (SHAPES.size >= MAX_SHAPES) SHAPES.clear();
  SHAPES.set(query, shape);
  return shape;
}

/** Whether an answer to `a` holds every field an answer to `b` has. */
export function covers(a: Shape, b: Shape): boolean {
  for (const [k, child] of b) {
    const mine = a.get(k);
    if (!mine || !covers(mine, child)) return false;
  }
  return true;
}

/** JSON with object keys sorted, so that equal variables give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

type Answer = { data?: unknown; errors?: unknown };

interface Entry {
  /** canonicalJson of the variables, worked out only when another read could take this one's answer. */
  variables: () => string;
  shape: Shape;
  answer: Promise<Answer>;
}

/**
 * A deep copy of parsed JSON (objects, arrays, strings, numbers, booleans, null), for an answer that
 * more than one entity or fetch takes. structuredClone did the same at ten times the cost: 5.5 µs
 * against 0.5 µs for an agreement's answer, which a 300-milestone query copies 600 times.
 */
export function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = copyJson((value as Record<string, unknown>)[k]);
    // A key "__proto__" (JSON.parse makes it an own property) must stay data, not become the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}

/** `f` computed at most once, and only if asked. */
function once(f: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= f());
}

/** The reads of one client request, per subgraph. Created with the request's context. */
export class RequestReads {
  private readonly bySubgraph = new Map<string, Entry[]>();
  /** How many fetches took an earlier answer; exposed for tests and metrics. */
  coalesced = 0;

  /**
   * The answer of an earlier read of this request that covers this one, or a fresh one from `send`.
   * A shared answer is copied for each taker, since the gateway merges answers into its result tree.
   *
   * The variables are compared last, and serialised only then: most reads share their subgraph with no
   * earlier read whose fields cover theirs, and the representations of a fetch over 300 milestones were
   * the costliest thing to write out for a comparison that was never made.
   */
  read<T extends Answer>(subgraph: string, query: string, variables: unknown, send: () => Promise<T>, variablesKey?: string | (() => string)): Promise<T> {
    const shape = shapeOf(query);
    if (!shape) return send();
    // The caller may pass the key (or how to compute it) it already has: distinctRepresentations does.
    const vars = once(typeof variablesKey === 'function' ? variablesKey : variablesKey !== undefined ? () => variablesKey : () => canonicalJson(variables ?? {}));
    const entries = this.bySubgraph.get(subgraph) ?? [];
    const earlier = entries.find((e) => covers(e.shape, shape) && e.variables() === vars());
    if (earlier) {
      this.coalesced += 1;
      return earlier.answer.then((r) => ({ ...r, data: copyJson(r.data), errors: copyJson(r.errors) }) as T);
    }
    const answer = send();
    entries.push({ variables: vars, shape, answer });
    this.bySubgraph.set(subgraph, entries);
    return answer;
  }
}

interface EntitiesAnswer {
  data?: { _entities?: unknown[] } | null;
  errors?: readonly { path?: readonly (string | number)[] }[];
}

/** `__typename` and `id` of a representation when both are strings: equal representations share them. */
function identityOf(r: unknown): string | null {
  if (!r || typeof r !== 'object') return null;
  const { __typename, id } = r as { __typename?: unknown; id?: unknown };
  return typeof __typename === 'string' && typeof id === 'string' ? `${__typename}\u0000${id}` : null;
}

/**
 * Each distinct representation once. The gateway sends one representation per entity it reached, so
 * the 300 milestones of an agreement ask corridors about that agreement 300 times in one fetch; the
 * subgraph would answer 300 copies. This sends each distinct one once and spreads the answer back, so
 * the answer the gateway sees is the one it asked for (errors included, one per entity as before).
 */
export function distinctRepresentations(variables: Record<string, unknown> | undefined): {
  variables: Record<string, unknown> | undefined;
  /** canonicalJson of the variables sent, for RequestReads.read; computed when first read. */
  readonly key: string;
  spread<T>(answer: T): T;
} {
  const reps = variables?.representations;
  if (!Array.isArray(reps)) return { variables, key: canonicalJson(variables ?? {}), spread: (a) => a };
  const unique: unknown[] = [];
  // JSON.stringify of a unique representation, when it has been needed. JSON.stringify, not
  // canonicalJson: the gateway builds every representation of a fetch from one `requires` selection, so
  // equal ones have equal key order. Two equal ones written in another order would only be sent twice.
  const texts: (string | undefined)[] = [];
  const textOf = (j: number) => (texts[j] ??= JSON.stringify(unique[j]));
  // Representations are grouped by __typename and id first, and written out only when two share them:
  // 300 distinct milestones are told apart without serialising one (that was 7 % of the gateway's CPU
  // on such a request), while 300 copies of one agreement are still compared in full.
  const byIdentity = new Map<string, number[]>();
  const byText = new Map<string, number>();
  const add = (r: unknown, text?: string) => {
    unique.push(r);
    texts.push(text);
    return unique.length - 1;
  };
  const slots = reps.map((r) => {
    const identity = identityOf(r);
    if (identity === null) {
      const text = JSON.stringify(r);
      let at = byText.get(text);
      if (at === undefined) byText.set(text, (at = add(r, text)));
      return at;
    }
    const same = byIdentity.get(identity);
    if (!same) {
      const at = add(r);
      byIdentity.set(identity, [at]);
      return at;
    }
    const text = JSON.stringify(r);
    const at = same.find((j) => textOf(j) === text);
    if (at !== undefined) return at;
    const fresh = add(r, text);
    same.push(fresh);
    return fresh;
  });
  const { representations: _all, ...others } = variables!;
  const key = once(() => `${canonicalJson(others)}|${unique.map((_, j) => textOf(j)).join(',')}`);
  if (unique.length === reps.length) {
    return {
      variables,
      get key() {
        return key();
      },
      spread: (a) => a,
    };
  }
  return {
    variables: { ...variables, representations: unique },
    get key() {
      return key();
    },
    spread<T>(answer: T): T {
      const a = answer as EntitiesAnswer;
      const entities = a.data?._entities;
      if (!Array.isArray(entities) || entities.length !== unique.length) return answer;
      const used = new Set<number>();
      const data = {
        ...a.data,
        // Each entity gets its own copy: the gateway merges later answers into each one separately.
        _entities: slots.map((j) => (used.has(j) ? copyJson(entities[j]) : (used.add(j), entities[j]))),
      };
      const errors = a.errors?.flatMap((e) => {
        const [head, at, ...rest] = e.path ?? [];
        if (head !== '_entities' || typeof at !== 'number') return [e];
        return slots.flatMap((j, i) => (j === at ? [{ ...e, path: ['_entities', i, ...rest] }] : []));
      });
      return { ...answer, data, ...(errors ? { errors } : {}) } as T;
    },
  };
}
