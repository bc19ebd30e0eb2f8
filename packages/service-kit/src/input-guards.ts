import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Checks on raw input that no GraphQL type expresses: text PostgreSQL cannot store (NUL) or that is not
 * Unicode at all (an unpaired UTF-16 surrogate, which would be stored as U+FFFD), and numbers that are
 * not finite. Applied to variables and to literals in the document, at the gateway and again in every
 * subgraph, so such a value is BAD_USER_INPUT before any resolver or SQL runs.
 */

const UNSAFE_TEXT = /[\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** NUL or any surrogate at all: a plain character-class scan, so most text is passed without UNSAFE_TEXT. */
const SUSPECT_TEXT = /[\u0000\uD800-\uDFFF]/;

/** Why `text` cannot be accepted, or null. */
export function unsafeTextReason(text: string): string | null {
  const m = SUSPECT_TEXT.test(text) ? UNSAFE_TEXT.exec(text) : null;
  if (!m) return null;
  const at = `at character ${m.index + 1}`;
  return m[0] === '\u0000'
    ? `contains a NUL character (U+0000) ${at}; remove it`
    : `contains an unpaired UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}) ${at}, which is not valid Unicode; send the text as UTF-8`;
}

function badInput(message: string, path?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(path ? { argumentPath: path } : {}) } });
}

/** Deeper than this, a variable is refused: no input of this API is nested so far. */
const MAX_DEPTH = 64;

/**
 * The first unsafe value in a request's variables (strings, keys, nested objects and lists), or null.
 * A batch of positions is tens of thousands of values, checked at the gateway and again in the subgraph:
 * the walk allocates nothing for a safe value (the path of a value is spelled out only for the one
 * refused) and scans each string once.
 */
export function checkVariables(variables: unknown, path = '$'): GraphQLError | null {
  const trail: (string | number)[] = [];
  const at = () => {
    let out = path;
    for (const step of trail) out = typeof step === 'number' ? `${out}[${step}]` : out === '$' ? `$${step}` : `${out}.${step}`;
    return out;
  };
  const refuse = (value: unknown): GraphQLError | null => {
    if (typeof value === 'string') {
      const reason = unsafeTextReason(value);
      return reason ? badInput(`Variable ${at()} ${reason}.`, at()) : null;
    }
    return typeof value === 'number' && !Number.isFinite(value) ? badInput(`Variable ${at()} is not a finite number.`, at()) : null;
  };
  /** A value that is plainly fine where it stands: a finite number, text without NUL or surrogates, true, false or null. */
  const plain = (v: unknown, depth: number) =>
    depth <= MAX_DEPTH && (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' ? !SUSPECT_TEXT.test(v) : typeof v !== 'object' || v === null);
  // Most values are plain: they are passed in the loops, and only objects, lists and suspects are visited.
  const visit = (value: unknown, depth: number): GraphQLError | null => {
    if (depth > MAX_DEPTH) return badInput(`Variable ${at()} is nested more than ${MAX_DEPTH} levels deep; no input of this API needs that.`, at());
    if (typeof value !== 'object' || value === null) return refuse(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (plain(v, depth + 1)) continue;
        trail.push(i);
        const e = visit(v, depth + 1);
        trail.pop();
        if (e) return e;
      }
      return null;
    }
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      if (SUSPECT_TEXT.test(k)) {
        const reason = unsafeTextReason(k);
        if (reason) return badInput(`A key inside variable ${at()} ${reason}.`, at());
      }
      const v: unknown = (value as Record<string, unknown>)[k];
      if (plain(v, depth + 1)) continue;
      trail.push(k);
      const e = visit(v, depth + 1);
      trail.pop();
      if (e) return e;
    }
    return null;
  };
  return visit(variables, 0);
}

/** Refuses string literals with NUL or unpaired surrogates, and float literals too large to be finite. */
export const SafeLiteralsRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  StringValue(node) {
    const reason = unsafeTextReason(node.value);
    if (reason) context.reportError(new GraphQLError(`A string in the operation ${reason}.`, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
  },
  FloatValue(node) {
    if (!Number.isFinite(Number(node.value))) {
      context.reportError(new GraphQLError(`The number ${node.value.slice(0, 40)} is too large to represent; send a finite number.`, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
    }
  },
  IntValue(node) {
    // Int arguments are range-checked by GraphQL itself; a Float argument given as a huge integer is not.
    if (!Number.isFinite(Number(node.value))) {
      context.reportError(new GraphQLError(`The number ${node.value.slice(0, 40)}… is too large to represent; send a finite number.`, { nodes: [node], extensions: { code: 'BAD_USER_INPUT' } }));
    }
  },
});
