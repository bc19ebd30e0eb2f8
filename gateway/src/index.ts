export { buildGateway, serveGateway, readSupergraph, SUPERGRAPH_URL, type GatewayContext, type RunningGateway } from './server.js';
export { createTokenVerifier, AuthenticationError, ALLOWED_ALGORITHMS, type TokenVerifier } from './auth.js';
export { loadGatewayConfig, type GatewayConfig } from './config.js';
export { DEFAULT_SETTINGS, type GatewaySettings } from './config.js';
export { DEFAULT_LIMITS, OPERATION_TOO_COMPLEX, type OperationLimits } from './limits.js';
export { loadTrustedDocuments, OPERATIONS_DIR, type TrustedDocuments } from './trusted-documents.js';
export { SUBGRAPHS, GATEWAY_DEFAULT_PORT, defaultPortOf, subgraphsOf, type Subgraph } from './topology.js';
export { keyedStepsRefusal, mutationOwners, mutationSteps, type MutationStep } from './keyed-mutations.js';
