import { GraphQLError, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './context.js';

/**
 * One Idempotency-Key guards one step per service (DESIGN §9).
 *
 * The gateway runs a mutation's root fields in order, and the query planner sends each run of
 * consecutive fields owned by one service as one fetch: `a: reportIncident, b: reportIncident,
 * c: registerGuarantor` is two steps (corridors, then guarantors). The service that owns a step stores
 * the client's key with that step's request and response, in the transaction of its writes. A document
 * that comes back to a service (corridors, guarantors, corridors) would give that service two different
 * requests under one key: the second is refused as a reused key after the first two steps were written,
 * and the client never learns their ids. So a keyed mutation that visits a service twice is refused
 * before anything runs, saying how to send it instead.
 */

/** A run of consecutive root fields owned by one service: one fetch, one stored key. */
export interface MutationStep {
  service: string;
  /** The fields' response names (alias or field name), in document order. */
  fields: string[];
}

/** The service that owns each root mutation field, read from the supergraph's `@join__field(graph:)`. */
export function mutationOwners(supergraphSdl: string): Map<string, string> {
  const doc = parse(supergraphSdl, { noLocation: true });
  const graphNames = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') {
      for (const v of def.values ?? []) {
        const name = v.directives?.find((d) => d.name.value === 'join__graph')?.arguments?.find((a) => a.name.value === 'name')?.value;
        if (name?.kind === Kind.STRING) graphNames.set(v.name.value, name.value);
      }
    }
  }
  for (const def of doc.definitions) {
    if ((def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) || def.name.value !== 'Mutation') continue;
    for (const field of def.fields ?? []) {
      // A field several services could run (shareable) has no single owner; the planner picks one,
      // so it is left out of the check rather than guessed.
      const graphs = (field.directives ?? [])
        .filter((d) => d.name.value === 'join__field')
        .map((d) => d.arguments?.find((a) => a.name.value === 'graph')?.value)
        .flatMap((v) => (v?.kind === Kind.ENUM ? [v.value] : []));
      if (graphs.length === 1 && graphNames.has(graphs[0]!)) owners.set(field.name.value, graphNames.get(graphs[0]!)!);
    }
  }
  return owners;
}

/**
 * The steps of a mutation operation: its root fields in order (fragments spread in place; a field
 * under @skip or @include counted as present), grouped into runs of one owning service. Meta fields
 * (`__typename`) and fields without a single owner join no step.
 */
export function mutationSteps(operation: OperationDefinitionNode, document: DocumentNode, owners: Map<string, string>): MutationStep[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const steps: MutationStep[] = [];
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const service = owners.get(sel.name.value);
        if (!service) continue;
        const responseName = sel.alias?.value ?? sel.name.value;
        const last = steps[steps.length - 1];
        if (last?.service === service) last.fields.push(responseName);
        else steps.push({ service, fields: [responseName] });
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visit(sel.selectionSet, seen);
      } else {
        // Validation has refused unknown and cyclic spreads by now; `seen` only keeps this walk finite.
        const fragment = fragments.get(sel.name.value);
        if (fragment && !seen.has(sel.name.value)) visit(fragment.selectionSet, new Set([...seen, sel.name.value]));
      }
    }
  };
  visit(operation.selectionSet, new Set());
  return steps;
}

/** The refusal for a keyed mutation whose steps visit one service twice, or null when each service has one step. */
export function keyedStepsRefusal(steps: MutationStep[]): GraphQLError | null {
  const seen = new Set<string>();
  const twice = steps.find((s) => (seen.has(s.service) ? true : (seen.add(s.service), false)));
  if (!twice) return null;
  const order = steps.map((s) => `${s.service} (${s.fields.join(', ')})`).join(', then ');
  return new GraphQLError(
    `This mutation goes to the ${twice.service} service in two separate steps (${order}), and one Idempotency-Key can make only one step per service safe to retry. ` +
      `Nothing was run. Put the ${twice.service} fields next to each other in the document, or send the steps as separate requests, each with its own key.`,
    // Apollo Server reads `http` from an error thrown before execution: this is the caller's request, not a failure.
    { extensions: { code: 'BAD_USER_INPUT', http: { status: 400, headers: new Map() } as unknown as Record<string, unknown> } },
  );
}

/**
 * What an anonymous caller's key gets instead of a stored answer: a warning in the response. Keys are kept
 * per agency, and an anonymous caller has none; keeping its key would also keep a trace of, say, a
 * confidential reporter. So the mutation runs as sent, unkeyed, and the answer says so, so that a client
 * on a poor link knows a retry may run it again.
 */
export const ANONYMOUS_KEY_WARNING = {
  code: 'IDEMPOTENCY_KEY_NOT_KEPT',
  message:
    'The Idempotency-Key was not kept: keys are kept per partner agency, and this request carried no token, so a retry will run the mutation again. ' +
    'Before resending, check whether the first attempt arrived (a confidential report: follow it with its receipt); or send a partner token with the key.',
} as const;

/**
 * Refuses, before any subgraph is called, a keyed mutation that would give one service two requests under
 * one key; and tells an anonymous caller that its key was not kept.
 */
export function keyedMutationsPlugin(owners: Map<string, string>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!contextValue.idempotencyKey || operation?.operation !== 'mutation') return;
          const refusal = keyedStepsRefusal(mutationSteps(operation, document, owners));
          if (refusal) throw refusal;
        },
        async willSendResponse({ contextValue, operation, response }) {
          const anonymous = contextValue.caller.agency === null && contextValue.caller.subject === null;
          if (!contextValue.idempotencyKey || !anonymous || operation?.operation !== 'mutation' || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, warnings: [ANONYMOUS_KEY_WARNING] };
        },
      };
    },
  };
}
