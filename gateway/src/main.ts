import { createLogger, startTracing } from '@treaty/service-kit/edge';
import { loadGatewayConfig } from './config.js';
import { createTokenVerifier } from './auth.js';
import { buildGateway, readSupergraph, serveGateway } from './server.js';
import { tuneHeap } from './heap.js';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

async function main(): Promise<void> {
  const heapGrowingPercent = tuneHeap();
  const config = loadGatewayConfig(process.env);
  // Before the first connection is made; off unless OTEL_* configures it.
  const tracing = await startTracing('gateway', process.env);
  const logger = createLogger('gateway', config.logLevel);
  const verifier = await createTokenVerifier(config.jwt);
  const signer = { issuer: 'gateway', keys: config.internalKeys };
  const built = buildGateway({ supergraphSdl: await readSupergraph(), subgraphUrls: config.subgraphUrls, signer, verifier, logger, settings: config.settings });
  const running = await serveGateway(built, { port: config.port, host: config.host, verifier, logger, ops: config.ops });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => process.exit(1), 10_000).unref();
    running
      .close()
      .then(() => tracing?.shutdown())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  logger.info('ready', { url: running.url, ...(running.opsPort !== undefined ? { opsPort: running.opsPort } : {}), tracing: tracing !== null, production: config.settings.production, limits: config.settings.limits, heapGrowingPercent });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
