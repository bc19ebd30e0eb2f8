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
  variables: string;
  shape: Shape;
  answer: Promise<Answer>;
}

/** The reads of one client request, per subgraph. Created with the request's context. */
export class RequestReads {
  private readonly bySubgraph = new Map<string, Entry[]>();
  /** How many fetches took an earlier answer; exposed for tests and metrics. */
  coalesced = 0;

  /**
   * The answer of an earlier read of this request that covers this one, or a fresh one from `send`.
   * A shared answer is copied for each taker, since the gateway merges answers into its result tree.
   */
  read<T extends Answer>(subgraph: string, query: string, variables: unknown, send: () => Promise<T>, variablesKey?: string): Promise<T> {
    const shape = shapeOf(query);
    if (!shape) return send();
    // The caller may pass the key it already computed (distinctRepresentations does): the
    // representations of a large fetch are the costliest part to serialise.
    const vars = variablesKey ?? canonicalJson(variables ?? {});
    const entries = this.bySubgraph.get(subgraph) ?? [];
    const earlier = entries.find((e) => e.variables === vars && covers(e.shape, shape));
    if (earlier) {
      this.coalesced += 1;
      return earlier.answer.then((r) => ({ ...r, data: structuredClone(r.data), errors: structuredClone(r.errors) }) as T);
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

/**
 * Each distinct representation once. The gateway sends one representation per entity it reached, so
 * the 300 milestones of an agreement ask corridors about that agreement 300 times in one fetch; the
 * subgraph would answer 300 copies. This sends each distinct one once and spreads the answer back, so
 * the answer the gateway sees is the one it asked for (errors included, one per entity as before).
 */
export function distinctRepresentations(variables: Record<string, unknown> | undefined): {
  variables: Record<string, unknown> | undefined;
  /** canonicalJson of the variables sent, for RequestReads.read (computed once, here). */
  key: string;
  spread<T>(answer: T): T;
} {
  const reps = variables?.representations;
  if (!Array.isArray(reps)) return { variables, key: canonicalJson(variables ?? {}), spread: (a) => a };
  const index = new Map<string, number>();
  const unique: unknown[] = [];
  const uniqueKeys: string[] = [];
  const slots = reps.map((r) => {
    // JSON.stringify, not canonicalJson: the gateway builds every representation of a fetch from one
    // `requires` selection, so equal ones have equal key order, and sorting keys of 300 of them per
    // fetch cost more than the rest of the coalescing. Two equal ones written in another order would
    // only be sent twice.
    const key = JSON.stringify(r);
    let at = index.get(key);
    if (at === undefined) {
      at = unique.length;
      index.set(key, at);
      unique.push(r);
      uniqueKeys.push(key);
    }
    return at;
  });
  const { representations: _all, ...others } = variables!;
  const key = `${canonicalJson(others)}|${uniqueKeys.join(',')}`;
  if (unique.length === reps.length) return { variables, key, spread: (a) => a };
  return {
    variables: { ...variables, representations: unique },
    key,
    spread<T>(answer: T): T {
      const a = answer as EntitiesAnswer;
      const entities = a.data?._entities;
      if (!Array.isArray(entities) || entities.length !== unique.length) return answer;
      const used = new Set<number>();
      const data = {
        ...a.data,
        // Each entity gets its own copy: the gateway merges later answers into each one separately.
        _entities: slots.map((j) => (used.has(j) ? structuredClone(entities[j]) : (used.add(j), entities[j]))),
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
