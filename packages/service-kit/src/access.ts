import { defaultFieldResolver, type DocumentNode, type GraphQLFieldResolver } from 'graphql';
import { describeCaller, hasRole, isAuthenticated, type Caller, type Role } from './caller.js';
import { ForbiddenError } from './errors.js';
import { ALL_PURPOSES, PurposeRequiredError, isPurpose, type Purpose } from './purposes.js';
import type { BaseContext } from './context.js';

/**
 * A rule says who may read a field or call a mutation. `describe` completes the sentence
 * "<field> needs ..." so a refusal tells the caller exactly which role to ask for.
 */
export interface Rule {
  describe: string;
  allows(caller: Caller, parent: unknown, args: Record<string, unknown>): boolean;
}

export const anyone: Rule = { describe: 'nothing', allows: () => true };

export const authenticated: Rule = {
  describe: 'a token from a partner agency (any role)',
  allows: (caller) => isAuthenticated(caller),
};

export function role(...roles: Role[]): Rule {
  const names = roles.length === 1 ? `the ${roles[0]} role` : `one of the roles ${roles.join(', ')}`;
  return { describe: names, allows: (caller) => hasRole(caller, ...roles) };
}

/** Allowed when any of the rules allows. */
export function either(...rules: Rule[]): Rule {
  // Two rules of one kind (the PARTY of either side) read the same: say it once.
  const described = [...new Set(rules.map((r) => r.describe))];
  return {
    describe: described.length <= 2 ? described.join(', or ') : `${described.slice(0, -1).join(', ')}, or ${described.at(-1)}`,
    allows: (caller, parent, args) => rules.some((r) => r.allows(caller, parent, args)),
  };
}

/** A PARTY caller acting for the party that `partyOf` names (from the parent object or the arguments). */
export function ownParty(partyOf: (parent: unknown, args: Record<string, unknown>) => string | null | undefined): Rule {
  return {
    describe: 'the PARTY role for the party concerned',
    allows: (caller, parent, args) => hasRole(caller, 'PARTY') && caller.partyId !== null && caller.partyId === partyOf(parent, args),
  };
}

export interface FieldAccess {
  rule: Rule;
}

/**
 * A field the SDL marks `@personal`: the one place personal data is declared. Such a field is read only
 * by a caller its rule allows, with a stated purpose (X-Purpose, one of `purposes`), and every read is
 * written to the access log as (type, parent id, field). A personal field without a rule stops the
 * service at start-up.
 */
export interface PersonalField {
  purposes: readonly Purpose[];
}

/** Every `@personal` field of the SDL, by "Type.field"; throws on a purpose that is not in PURPOSES. */
export function personalFields(typeDefs: DocumentNode): Map<string, PersonalField> {
  const out = new Map<string, PersonalField>();
  for (const def of typeDefs.definitions) {
    if (def.kind !== 'ObjectTypeDefinition' && def.kind !== 'ObjectTypeExtension') continue;
    for (const f of def.fields ?? []) {
      const d = f.directives?.find((x) => x.name.value === 'personal');
      if (!d) continue;
      const coordinate = `${def.name.value}.${f.name.value}`;
      const arg = d.arguments?.find((a) => a.name.value === 'purposes')?.value;
      const listed = arg?.kind === 'ListValue' ? arg.values.map((v) => (v.kind === 'StringValue' ? v.value : '')) : arg?.kind === 'StringValue' ? [arg.value] : ALL_PURPOSES;
      const unknown = listed.filter((p) => !isPurpose(p));
      if (unknown.length) throw new Error(`${coordinate} is @personal with purposes ${unknown.map((u) => `"${u}"`).join(', ')} that are not defined; use ${ALL_PURPOSES.join(', ')}.`);
      out.set(coordinate, { purposes: listed as Purpose[] });
    }
  }
  return out;
}

/** Keys are "Type.field", including "Type.__resolveReference" and "Mutation.name". */
export type AccessRules = Record<string, Rule | FieldAccess>;

/**
 * What each sibling service may ask of this one when it calls as itself (DESIGN §9): by calling service,
 * the root fields it may query and the guarded fields it may read. Public fields need no grant; a
 * sibling never gets a mutation, and never a partner agency's rights.
 */
export type SiblingGrants = Record<string, readonly string[]>;

function asFieldAccess(r: Rule | FieldAccess): FieldAccess {
  return 'rule' in r ? r : { rule: r };
}

export function refusal(coordinate: string, rule: Rule, caller: Caller): ForbiddenError {
  return new ForbiddenError(
    `${coordinate} needs ${rule.describe}; this request comes from ${describeCaller(caller)}. ` +
      'Ask your agency administrator for a token that carries it.',
    { coordinate, needs: rule.describe },
  );
}

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * Every "Type.field" the SDL defines, plus "Type.__resolveReference" for each entity (@key). A rule is
 * checked against these at start-up: a misspelt key would otherwise guard nothing while the real field
 * stayed public (fail closed, not open).
 */
export function schemaCoordinates(typeDefs: DocumentNode): Set<string> {
  const out = new Set<string>();
  for (const def of typeDefs.definitions) {
    if (def.kind !== 'ObjectTypeDefinition' && def.kind !== 'ObjectTypeExtension') continue;
    for (const f of def.fields ?? []) out.add(`${def.name.value}.${f.name.value}`);
    if (def.directives?.some((d) => d.name.value === 'key')) {
      out.add(`${def.name.value}.__resolveReference`);
      // Added by @apollo/subgraph to every subgraph with an entity; a sibling grant may name it.
      out.add('Query._entities');
    }
  }
  return out;
}

/** Throws, naming each one, when a rule (or a sibling grant) names a type or field the schema does not have. */
export function checkRulesAgainstSchema(rules: AccessRules, typeDefs: DocumentNode, grants: SiblingGrants = {}): void {
  const known = schemaCoordinates(typeDefs);
  const unknown = [...new Set([...Object.keys(rules), ...Object.values(grants).flat()])].filter((c) => !known.has(c));
  if (unknown.length === 0) return;
  const types = new Set([...known].map((c) => c.split('.')[0]));
  const why = (c: string) => (types.has(c.split('.')[0]!) ? `${c} (the type has no such field${c.endsWith('__resolveReference') ? ' or is not an entity' : ''})` : `${c} (no type ${c.split('.')[0]} in the schema)`);
  throw new Error(`Access rules name what the schema does not define: ${unknown.map(why).join('; ')}. Fix the rule's key (Type.field, as in schema.graphql) so it guards the field it was written for.`);
}

/**
 * Wraps resolvers so that every rule is enforced wherever the field is reached: a root query, a nested
 * selection, or an `_entities` call (through `__resolveReference`). Fields with no rule stay public;
 * every mutation must have a rule, so a new mutation cannot ship unguarded.
 */
export function applyAccess<R extends ResolverMap>(
  resolvers: R,
  rules: AccessRules,
  mutationNames: string[],
  grants: SiblingGrants = {},
  personal: ReadonlyMap<string, PersonalField> = new Map(),
): R {
  const missing = mutationNames.filter((m) => !(`Mutation.${m}` in rules));
  if (missing.length > 0) {
    throw new Error(`Access rules are missing for mutations: ${missing.join(', ')}. Add a rule for each in the service's access rules.`);
  }
  // Fail closed: a field declared personal in the SDL but given no rule would be public.
  const unguarded = [...personal.keys()].filter((c) => !(c in rules));
  if (unguarded.length > 0) {
    throw new Error(`Personal fields have no access rule: ${unguarded.join(', ')}. Add a role rule for each in the service's access rules; until then the service does not start.`);
  }
  const out: ResolverMap = {};
  for (const [typeName, fields] of Object.entries(resolvers)) out[typeName] = { ...fields };
  for (const [coordinate, raw] of Object.entries(rules)) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const { rule } = asFieldAccess(raw);
    const personalField = personal.get(coordinate);
    // A sibling acting as itself has no roles: it reads a guarded field only where this service granted it.
    const allows = (caller: Caller, parent: unknown, args: Record<string, unknown>) =>
      caller.via ? (grants[caller.via]?.includes(coordinate) ?? false) : rule.allows(caller, parent, args);
    const type = (out[typeName] ??= {});
    if (fieldName === '__resolveReference') {
      const inner = type.__resolveReference as ((ref: unknown, ctx: BaseContext, info: unknown) => unknown) | undefined;
      if (!inner) throw new Error(`${coordinate} has a rule but no resolver`);
      type.__resolveReference = (ref: unknown, ctx: BaseContext, info: unknown) => {
        if (!allows(ctx.caller, ref, {})) throw refusal(coordinate, rule, ctx.caller);
        return inner(ref, ctx, info);
      };
      continue;
    }
    const inner = (type[fieldName] as GraphQLFieldResolver<unknown, BaseContext> | undefined) ?? defaultFieldResolver;
    const resolve = typeof inner === 'function' ? inner : (inner as { resolve: GraphQLFieldResolver<unknown, BaseContext> }).resolve;
    type[fieldName] = (parent: unknown, args: Record<string, unknown>, ctx: BaseContext, info: Parameters<GraphQLFieldResolver<unknown, BaseContext>>[3]) => {
      if (!allows(ctx.caller, parent, args)) throw refusal(coordinate, rule, ctx.caller);
      if (personalField) {
        const purpose = ctx.caller.purpose;
        if (!isPurpose(purpose) || !personalField.purposes.includes(purpose)) throw new PurposeRequiredError(coordinate, purpose, personalField.purposes);
        ctx.personalReads.record(typeName, (parent as { id: string }).id, fieldName);
      }
      return resolve(parent, args, ctx, info);
    };
  }
  return out as R;
}
