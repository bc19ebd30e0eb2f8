import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Checks on raw input that no GraphQL type expresses: text PostgreSQL cannot store (NUL) or that is not
 * Unicode at all (an unpaired UTF-16 surrogate, which would be stored as U+FFFD), and numbers that are
 * not finite. Applied to variables and to literals in the document, at the gateway and again in every
 * subgraph, so such a value is BAD_USER_INPUT before any resolver or SQL runs.
 */

const UNSAFE_TEXT = /[\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be accepted, or null. */
export function unsafeTextReason(text: string): string | null {
  const m = UNSAFE_TEXT.exec(text);
  if (!m) return null;
  const at = `at character ${m.index + 1}`;
  return m[0] === '\u0000'
    ? `contains a NUL character (U+0000) ${at}; remove it`
    : `contains an unpaired UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}) ${at}, which is not valid Unicode; send the text as UTF-8`;
}

function badInput(message: string, path?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(path ? { argumentPath: path } : {}) } });
}

/** The first unsafe value in a request's variables (strings, keys, nested objects and lists), or null. */
export function checkVariables(variables: unknown, path = '$'): GraphQLError | null {
  const visit = (value: unknown, at: string, depth: number): GraphQLError | null => {
    if (depth > 64) return badInput(`Variable ${at} is nested more than 64 levels deep; no input of this API needs that.`, at);
    if (typeof value === 'string') {
      const reason = unsafeTextReason(value);
      return reason ? badInput(`Variable ${at} ${reason}.`, at) : null;
    }
    if (typeof value === 'number') return Number.isFinite(value) ? null : badInput(`Variable ${at} is not a finite number.`, at);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const e = visit(value[i], `${at}[${i}]`, depth + 1);
        if (e) return e;
      }
      return null;
    }
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const reason = unsafeTextReason(k);
        if (reason) return badInput(`A key inside variable ${at} ${reason}.`, at);
        const e = visit(v, at === '$' ? `$${k}` : `${at}.${k}`, depth + 1);
        if (e) return e;
      }
    }
    return null;
  };
  return visit(variables, path, 0);
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
