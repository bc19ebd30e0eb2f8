export { buildGateway, serveGateway, readSupergraph, SUPERGRAPH_URL, type GatewayContext, type RunningGateway } from './server.js';
export { createTokenVerifier, AuthenticationError, ALLOWED_ALGORITHMS, type TokenVerifier } from './auth.js';
export { loadGatewayConfig, type GatewayConfig } from './config.js';
