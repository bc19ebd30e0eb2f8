import { describe, expect, it } from 'vitest';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode } from '@apollo/query-planner';
import { keyedStepsRefusal, mutationOwners, mutationSteps } from '../src/keyed-mutations.js';
import { readSupergraph } from '../src/server.js';

const sdl = await readSupergraph();
const owners = mutationOwners(sdl);
const supergraph = Supergraph.build(sdl);
const planner = new QueryPlanner(supergraph);

const INCIDENT = 'reportIncident(input: $i) { id }';
const GUARANTOR = 'registerGuarantor(input: $g) { id }';
const VARS = '($i: ReportIncidentInput!, $g: RegisterGuarantorInput!)';

function stepsOf(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return mutationSteps(operation, document, owners);
}

/** The services of the root fetches @apollo/gateway's own planner makes for a mutation, in order. */
function plannedFetches(query: string): string[] {
  const plan = planner.buildQueryPlan(operationFromDocument(supergraph.schema, parse(query)));
  const services: string[] = [];
  const walk = (node: PlanNode | undefined) => {
    if (!node) return;
    if (node.kind === 'Fetch') services.push(node.serviceName);
    else if (node.kind === 'Sequence' || node.kind === 'Parallel') node.nodes.forEach(walk);
    // Flatten nodes are the entity reads after a step; they carry no key.
  };
  walk(plan.node as PlanNode | undefined);
  return services;
}

const DOCUMENTS = {
  'corridors, guarantors, corridors': `mutation ${VARS} { a: ${INCIDENT} b: ${GUARANTOR} c: ${INCIDENT} }`,
  'corridors twice, then guarantors': `mutation ${VARS} { a: ${INCIDENT} c: ${INCIDENT} b: ${GUARANTOR} }`,
  'through a fragment and an inline fragment': `mutation ${VARS} { a: ${INCIDENT} ...G ... on Mutation { c: ${INCIDENT} } } fragment G on Mutation { b: ${GUARANTOR} }`,
  'with __typename between': `mutation ${VARS} { a: ${INCIDENT} __typename c: ${INCIDENT} }`,
  'one field': `mutation ($i: ReportIncidentInput!) { ${INCIDENT} }`,
};

describe('keyed mutations: one step per service', () => {
  it('knows the owner of every root mutation field from the supergraph', () => {
    const mutation = supergraph.schema.schemaDefinition.rootType('mutation')!;
    expect(owners.size).toBe(mutation.fields().length);
    expect(owners.get('reportIncident')).toBe('corridors');
    expect(owners.get('registerGuarantor')).toBe('guarantors');
    expect(owners.get('createAgreement')).toBe('milestones');
    expect(owners.get('registerDetainee')).toBe('prisoners');
  });

  it('groups root fields into the same steps as the query planner makes fetches', () => {
    for (const [what, query] of Object.entries(DOCUMENTS)) {
      expect(stepsOf(query).map((s) => s.service), what).toEqual(plannedFetches(query));
    }
    expect(stepsOf(DOCUMENTS['corridors, guarantors, corridors'])).toEqual([
      { service: 'corridors', fields: ['a'] },
      { service: 'guarantors', fields: ['b'] },
      { service: 'corridors', fields: ['c'] },
    ]);
  });

  it('refuses a document that comes back to a service, naming the steps and how to send it instead', () => {
    for (const what of ['corridors, guarantors, corridors', 'through a fragment and an inline fragment'] as const) {
      const refusal = keyedStepsRefusal(stepsOf(DOCUMENTS[what]));
      expect(refusal?.extensions.code, what).toBe('BAD_USER_INPUT');
      expect(refusal?.message).toContain('goes to the corridors service in two separate steps (corridors (a), then guarantors (b), then corridors (c))');
      expect(refusal?.message).toContain('Nothing was run. Put the corridors fields next to each other');
    }
  });

  it('lets through a document with one step per service', () => {
    for (const what of ['corridors twice, then guarantors', 'with __typename between', 'one field'] as const) {
      expect(keyedStepsRefusal(stepsOf(DOCUMENTS[what])), what).toBeNull();
    }
  });
});
