import type { ApolloServer } from '@apollo/server';
import type { BaseContext } from '@treaty/service-kit';

export interface GraphQLResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** The response's own extensions, e.g. the gateway's `warnings`. */
  extensions?: Record<string, any>;
}

/** Runs one operation against a built (not listening) subgraph server with the given context. */
export async function execute<T = Record<string, any>, C extends BaseContext = any>(
  server: ApolloServer<C>,
  context: C,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResult<T>> {
  const response = await server.executeOperation({ query, variables }, { contextValue: context });
  if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
  return response.body.singleResult as GraphQLResult<T>;
}

/** The `extensions.code` of each error, for assertions like `expect(codes(r)).toEqual(['NOT_FOUND'])`. */
export function codes(result: GraphQLResult): string[] {
  return (result.errors ?? []).map((e) => String(e.extensions?.code));
}
