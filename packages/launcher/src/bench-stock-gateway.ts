import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, PUBLIC_CALLER, parseInternalKeys, signInternal, type Caller } from '@treaty/service-kit';
import { readSupergraph, subgraphsOf } from '@treaty/gateway';

/**
 * The comparison gateway of `npm run bench`: a stock @apollo/gateway with Apollo Server's defaults, in
 * one process, over the same subgraphs as ours. The only thing added is what the subgraphs require of
 * any caller: the internal credential (packages/service-kit/internal-credentials.md), signed for the
 * final body, for the one caller the benchmark acts as (BENCH_CALLER, JSON). No token check, limits,
 * coalescing, cache or error shaping: what a team would get from the library alone.
 *
 * Env: PORT, TREATY_INTERNAL_KEYS and <NAME>_URL (the gateway's own environment), BENCH_CALLER.
 */
async function main(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const keys = parseInternalKeys(process.env.TREATY_INTERNAL_KEYS ?? '');
  const signer = { issuer: 'gateway', keys };
  const caller: Caller = process.env.BENCH_CALLER ? { ...PUBLIC_CALLER, ...(JSON.parse(process.env.BENCH_CALLER) as Partial<Caller>) } : PUBLIC_CALLER;
  const supergraphSdl = await readSupergraph();
  const urls = Object.fromEntries(subgraphsOf(supergraphSdl).map((s) => [s.name, process.env[`${s.name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${process.env[`${s.name.toUpperCase()}_PORT`] ?? s.defaultPort}/graphql`]));
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) =>
      new RemoteGraphQLDataSource({
        url: urls[name],
        fetcher: ((input: string, init: { headers: Record<string, string>; body: string }) =>
          fetch(input, { ...init, headers: { ...init.headers, [INTERNAL_TOKEN_HEADER]: signInternal(signer, name, caller, init.body) } })) as never,
      }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 4100), host: '127.0.0.1' } });
  console.log(`stock gateway ready at ${url}`);
  const stop = () => server.stop().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
