import { describe, expect, it } from 'vitest';
import { ConfigError, loadSubgraphConfig } from '../src/config.js';

const keys = JSON.stringify({ 'gateway>milestones': Buffer.alloc(32, 1).toString('base64url') });
/** A 32-byte Ed25519 seed, base64url, as npm start and make-secrets write TREATY_EVIDENCE_KEY. */
const evidenceKey = Buffer.alloc(32, 7).toString('base64url');

describe('loadSubgraphConfig', () => {
  it('reads the service port, falling back to the default, and the database URL', () => {
    const c = loadSubgraphConfig('milestones', 4001, { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey });
    expect(c).toMatchObject({ port: 4001, host: '127.0.0.1', databaseUrl: 'postgres://u@h/db', idempotencyRetentionMs: 48 * 3_600_000 });
    expect(loadSubgraphConfig('milestones', 4001, { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey, MILESTONES_PORT: '5001' }).port).toBe(5001);
    // PORT applies when <NAME>_PORT is unset (a platform that sets only PORT), and <NAME>_PORT wins over it.
    expect(loadSubgraphConfig('milestones', 4001, { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey, PORT: '8080' }).port).toBe(8080);
    expect(loadSubgraphConfig('milestones', 4001, { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey, PORT: '8080', MILESTONES_PORT: '5001' }).port).toBe(5001);
    expect(loadSubgraphConfig('milestones', 4001, { MILESTONES_DATABASE_URL: 'postgres://u@h/m', DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey }).databaseUrl).toBe('postgres://u@h/m');
  });

  it('reports every bad variable at once', () => {
    try {
      loadSubgraphConfig('milestones', 4001, { PORT: 'eighty', DATABASE_URL: 'mysql://x', TREATY_INTERNAL_KEYS: 'not json', TREATY_IDEMPOTENCY_RETENTION_HOURS: '2', TREATY_EVIDENCE_KEY: 'c2hvcnQ' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/DATABASE_URL: must be a PostgreSQL URL/);
      expect(problems).toMatch(/TREATY_INTERNAL_KEYS: must be a JSON object/);
      expect(problems).toMatch(/TREATY_IDEMPOTENCY_RETENTION_HOURS: must be at least 24 hours/);
      expect(problems).toMatch(/TREATY_EVIDENCE_KEY: is not an Ed25519 key \(.*\); give a 32-byte seed in base64url, like the 43 characters of deploy\/secrets\/evidence-<service>.key, or a PKCS8 PEM/);
    }
  });

  it("requires the service's evidence log key, by name, and reads it as the key the log signs with", () => {
    expect(() => loadSubgraphConfig('milestones', 4001, { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys })).toThrow(
      /TREATY_EVIDENCE_KEY: is required: the Ed25519 key of the milestones service's evidence log/,
    );
    const c = loadSubgraphConfig('milestones', 4001, { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey });
    expect(c.evidenceKey.asymmetricKeyType).toBe('ed25519');
    expect(c.evidenceKey.type).toBe('private');
  });

  it("reads the alert watcher's tick and deadline horizon, with defaults and bounds", () => {
    const base = { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey };
    expect(loadSubgraphConfig('milestones', 4001, base)).toMatchObject({ alertTickMs: 1_000, alertHorizonMs: 12 * 3_600_000 });
    expect(loadSubgraphConfig('milestones', 4001, { ...base, TREATY_ALERT_TICK_MS: '250', TREATY_ALERT_HORIZON_HOURS: '24' })).toMatchObject({ alertTickMs: 250, alertHorizonMs: 24 * 3_600_000 });
    expect(() => loadSubgraphConfig('milestones', 4001, { ...base, TREATY_ALERT_TICK_MS: '10' })).toThrow(/TREATY_ALERT_TICK_MS: must be at least 100 ms/);
    expect(() => loadSubgraphConfig('milestones', 4001, { ...base, TREATY_ALERT_HORIZON_HOURS: '0.5' })).toThrow(/TREATY_ALERT_HORIZON_HOURS: must be a whole number of hours/);
  });

  it('treats empty variables as unset', () => {
    expect(() => loadSubgraphConfig('milestones', 4001, { DATABASE_URL: '', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey })).toThrow(/DATABASE_URL is required/);
  });
});
