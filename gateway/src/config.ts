import { z } from 'zod';
import { GATEWAY_DEFAULT_PORT, SUBGRAPHS, loadConfig } from '@treaty/service-kit';

const port = z.coerce.number({ message: 'must be a port number, e.g. 4000' }).int().min(0).max(65535);

/**
 * The gateway's settings. Subgraph URLs default to localhost on each subgraph's port. Tokens are
 * checked against a JWKS file or URL, or a single public key (PEM); at least one is required.
 */
export const gatewayConfigSchema = z
  .object({
    GATEWAY_PORT: port.optional(),
    PORT: port.default(GATEWAY_DEFAULT_PORT),
    HOST: z.string().min(1).default('127.0.0.1'),
    TREATY_INTERNAL_PRIVATE_KEY: z
      .string({ message: "is required: the gateway's Ed25519 private key (PKCS#8 PEM) that signs calls to subgraphs; npm start provides it" })
      .includes('PRIVATE KEY', { message: 'must be a PKCS#8 PEM private key' }),
    TREATY_JWKS_FILE: z.string().min(1).optional(),
    TREATY_JWKS_URL: z.url({ message: 'must be an https URL of a JSON Web Key Set' }).optional(),
    TREATY_JWT_PUBLIC_KEY: z.string().includes('PUBLIC KEY', { message: 'must be an SPKI PEM public key' }).optional(),
    TREATY_JWT_ISSUER: z.string().min(1).default('treaty-dev'),
    TREATY_JWT_AUDIENCE: z.string().min(1).default('treaty-gateway'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    ...Object.fromEntries(SUBGRAPHS.flatMap((s) => [[`${s.name.toUpperCase()}_URL`, z.url().optional()], [`${s.name.toUpperCase()}_PORT`, port.optional()]])),
  })
  .refine((e) => e.TREATY_JWKS_FILE || e.TREATY_JWKS_URL || e.TREATY_JWT_PUBLIC_KEY, {
    message: 'set one of TREATY_JWKS_FILE, TREATY_JWKS_URL or TREATY_JWT_PUBLIC_KEY so the gateway can verify tokens (npm start sets TREATY_JWKS_FILE)',
    path: ['TREATY_JWKS_FILE'],
  });

export interface GatewayConfig {
  port: number;
  host: string;
  privateKey: string;
  jwt: { jwksFile?: string; jwksUrl?: string; publicKey?: string; issuer: string; audience: string };
  subgraphUrls: Record<string, string>;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const e = loadConfig(gatewayConfigSchema, env) as Record<string, any>;
  return {
    port: e.GATEWAY_PORT ?? e.PORT,
    host: e.HOST,
    privateKey: e.TREATY_INTERNAL_PRIVATE_KEY,
    jwt: { jwksFile: e.TREATY_JWKS_FILE, jwksUrl: e.TREATY_JWKS_URL, publicKey: e.TREATY_JWT_PUBLIC_KEY, issuer: e.TREATY_JWT_ISSUER, audience: e.TREATY_JWT_AUDIENCE },
    subgraphUrls: Object.fromEntries(
      SUBGRAPHS.map((s) => {
        const upper = s.name.toUpperCase();
        return [s.name, e[`${upper}_URL`] ?? `http://127.0.0.1:${e[`${upper}_PORT`] ?? s.defaultPort}/graphql`];
      }),
    ),
    logLevel: e.LOG_LEVEL,
  };
}
