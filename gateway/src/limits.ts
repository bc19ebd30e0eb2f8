import { ApolloArmor } from '@escape.tech/graphql-armor';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Limits on every operation, enforced by graphql-armor while the document is parsed (tokens) and
 * validated (depth, aliases, directives, cost), so a refused operation never reaches a subgraph.
 *
 * The defaults come from the example operations in gateway/operations/ (the largest: compliance.graphql,
 * depth 5, 0 aliases, 0 directives, 74 tokens, cost 124); each limit leaves at least twice that
 * room, and `limits.test.ts` keeps every example operation well inside them.
 */
export interface OperationLimits {
  /** Deepest field nesting (graphql-armor max-depth). */
  depth: number;
  /** Aliased fields in the whole operation (max-aliases). */
  aliases: number;
  /** Lexical tokens in the document (max-tokens): bounds parsing work and document size. */
  tokens: number;
  /** Directives in the whole operation (max-directives). */
  directives: number;
  /** graphql-armor's static cost: objects 2, scalars 1, each level multiplying by 1.5 (cost-limit). */
  cost: number;
}

export const DEFAULT_LIMITS: OperationLimits = { depth: 10, aliases: 30, tokens: 2_000, directives: 20, cost: 2_500 };

/** The code of every refusal by a limit (DESIGN §5). */
export const OPERATION_TOO_COMPLEX = 'OPERATION_TOO_COMPLEX';

function tooComplex(detail: string): GraphQLError {
  // graphql-armor phrases its refusals as "Syntax Error: ..."; the operation's syntax is fine.
  const what = detail.replace(/^Syntax Error: /, '').replace(/\.$/, '');
  return new GraphQLError(
    `The operation is too complex: ${what}. Split it into smaller operations, or ask fewer fields at a time; the limits are listed in the gateway's README.`,
    { extensions: { code: OPERATION_TOO_COMPLEX } },
  );
}

const report = (ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(tooComplex(error.message));

/**
 * graphql-armor's protections: validation rules for depth, aliases, directives and cost (each refusal
 * reported as OPERATION_TOO_COMPLEX) and, in production, its plugin that strips "Did you mean ...?"
 * suggestions, which would otherwise reveal the schema one typo at a time.
 */
export function armor(limits: OperationLimits, opts: { hideSuggestions: boolean }): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin[] } {
  // A fresh object each: graphql-armor keeps (and may extend) the callback lists it is given.
  const reject = () => ({ propagateOnRejection: false, onReject: [report], exposeLimits: true });
  const protection = new ApolloArmor({
    maxDepth: { ...reject(), n: limits.depth },
    maxAliases: { ...reject(), n: limits.aliases },
    maxDirectives: { ...reject(), n: limits.directives },
    costLimit: { ...reject(), maxCost: limits.cost },
    // Tokens are counted before Apollo parses the document (checkTokens below).
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: opts.hideSuggestions, mask: '' },
  }).protect();
  return { validationRules: protection.validationRules as ValidationRule[], plugins: protection.plugins as ApolloServerPlugin[] };
}

/**
 * Counts tokens with graphql-armor's lexer before anything else reads the document: a 3 MB document of
 * aliases stops at the limit instead of being parsed whole. Returns the refusal, or null when within the
 * limit (syntax errors are left for the real parse to report).
 */
export function checkTokens(query: string, limit: number): GraphQLError | null {
  try {
    new MaxTokensParserWLexer(query, { n: limit, exposeLimits: true, propagateOnRejection: true, onReject: [], onAccept: [] }).parseDocument();
    return null;
  } catch (e) {
    // graphql-armor loads the CommonJS copy of graphql, so its GraphQLError is not this module's: test the message.
    if (e instanceof Error && /Token limit/.test(e.message)) return tooComplex(`${e.message.replace(/\.$/, '')}, in a document of ${query.length} characters`);
    // Thousands of nested brackets exhaust the parser's stack before the token limit is reached; the real
    // parse would fail the same way and answer with the engine's own words.
    if (e instanceof RangeError) return tooComplex(`the document nests values or selections too deeply to be read (${query.length} characters)`);
    return null;
  }
}
