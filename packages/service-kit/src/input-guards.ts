import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Checks on raw input that no GraphQL type expresses: text PostgreSQL cannot store (NUL), control
 * characters no person types (everything below U+0020 but tab, line feed and carriage return, and
 * U+007F-U+009F: a title of "\u0001\u0002" would otherwise pass as text and be shown on public pages),
 * text that is not Unicode at all (an unpaired UTF-16 surrogate, which would be stored as U+FFFD), and
 * numbers that are not finite. Applied to variables and to literals in the document, at the gateway and
 * again in every subgraph, so such a value is BAD_USER_INPUT before any resolver or SQL runs.
 */

const UNSAFE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A control character or any surrogate at all: a plain character-class scan, so most text is passed without UNSAFE_TEXT. */
const SUSPECT_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/;

/** Why `text` cannot be accepted, or null. */
export function unsafeTextReason(text: string): string | null {
  const m = SUSPECT_TEXT.test(text) ? UNSAFE_TEXT.exec(text) : null;
  if (!m) return null;
  const at = `at character ${m.index + 1}`;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (m[0] === '\u0000') return `contains a NUL character (U+0000) ${at}; remove it`;
  if (m[0].charCodeAt(0) < 0xd800) return `contains a control character (${code}) ${at}; remove it (text may hold tabs and line breaks, but no other control characters)`;
  return `contains an unpaired UTF-16 surrogate (${code}) ${at}, which is not valid Unicode; send the text as UTF-8`;
}

/** Only white space, control and format characters (zero-width spaces, a byte-order mark): nothing a reader would see. */
const INVISIBLE = /^[\s\p{Cc}\p{Cf}]*$/u;

/**
 * Whether text is missing or shows nothing: a title of zero-width spaces is as empty as one of spaces.
 * (Typed so that `false` narrows the value to a string; a `true` may still be "   ".)
 */
export function isBlank(value: string | null | undefined): value is null | undefined | '' {
  return value === null || value === undefined || INVISIBLE.test(value);
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
