import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { PUBLIC_CALLER, type Caller } from './caller.js';
import { deriveInternalKeys, generateMasterSecret, signInternal, verifyInternal, type InternalVerifier } from './internal-auth.js';

/**
 * CPU per hop of the internal credential (sign at the caller + verify at the subgraph), side by side
 * with EdDSA over the same claims and body, in interleaved rounds so that a noisy machine affects both
 * alike. Target (DESIGN §9, issue 12): at most 20 µs per hop. The single-use claim in the database is
 * I/O and is left out (a store that accepts every id stands in for it); see internal-credentials.md.
 *
 *   npm run bench:credentials            (ROUNDS=10 ITERATIONS=4000 to change the effort)
 */
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const ITERATIONS = Number(process.env.ITERATIONS ?? 10_000);
const NAMES = ['gateway', 'milestones', 'prisoners', 'corridors', 'guarantors'];

const caller: Caller = { ...PUBLIC_CALLER, subject: 'analyst-7', agency: 'Office of the Special Envoy', roles: ['MEDIATOR'] };

function body(bytes: number): string {
  const query = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Milestone { id status } } }';
  const filler = randomBytes(Math.max(0, bytes - query.length)).toString('base64url').slice(0, Math.max(0, bytes - query.length - 40));
  return JSON.stringify({ query, variables: { representations: [{ __typename: 'Milestone', id: filler }] } });
}

/** CPU microseconds (user + system) for `n` runs of `fn`. */
async function cpuMicros(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i += 1) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const master = generateMasterSecret();
  const gateway = { issuer: 'gateway', keys: deriveInternalKeys(master, 'gateway', NAMES) };
  const verifier: InternalVerifier = { audience: 'milestones', keys: deriveInternalKeys(master, 'milestones', NAMES), nonces: { claim: async () => true } };
  const ed = generateKeyPairSync('ed25519');

  const hmacHop = (b: string) => async () => {
    await verifyInternal(verifier, signInternal(gateway, 'milestones', caller, b), b);
  };
  // The previous scheme's work per hop: EdDSA over the same claims, each side hashing the body.
  const edHop = (b: string) => () => {
    const claims = Buffer.from(JSON.stringify({ iss: 'gateway', aud: 'milestones', caller, bh: createHash('sha256').update(b).digest('base64url'), jti: randomBytes(16).toString('base64url') }));
    const signature = sign(null, claims, ed.privateKey);
    if (createHash('sha256').update(b).digest('base64url').length === 0 || !verify(null, claims, ed.publicKey, signature)) throw new Error('EdDSA verify failed');
  };

  console.log(`internal credential: sign + verify per hop, CPU µs (median of ${ROUNDS} interleaved rounds of ${ITERATIONS})`);
  console.log('body       HMAC v1   EdDSA   EdDSA/HMAC   target ≤ 20 µs');
  let worst = 0;
  for (const size of [300, 3_000, 30_000]) {
    const b = body(size);
    // Warm up first: the JIT compiles the hot path after a few thousand runs.
    await cpuMicros(20_000, hmacHop(b));
    await cpuMicros(1_000, edHop(b));
    const a: number[] = [];
    const e: number[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      a.push(await cpuMicros(ITERATIONS, hmacHop(b)));
      e.push(await cpuMicros(Math.max(100, Math.floor(ITERATIONS / 10)), edHop(b)));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const hm = median(a);
    const em = median(e);
    if (size <= 3_000) worst = Math.max(worst, hm);
    console.log(`${`${(b.length / 1000).toFixed(1)} kB`.padEnd(10)} ${hm.toFixed(1).padStart(7)} ${em.toFixed(1).padStart(7)} ${(em / hm).toFixed(1).padStart(10)}x   ${hm <= 20 ? 'within' : 'OVER'}`);
  }
  console.log(`\nTypical hops (bodies up to 3 kB): ${worst.toFixed(1)} µs, ${worst <= 20 ? 'within' : 'over'} the 20 µs target. The body is hashed on both sides, so larger bodies cost more: see the 30 kB row (a GPS batch).`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
