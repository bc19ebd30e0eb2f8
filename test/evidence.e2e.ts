import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadExport,
  fromHex,
  generateSigningKey,
  publicKeyRaw,
  signCosignature,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
  verifyTreeHeadSignature,
  type EvidenceExport,
  type KeptHead,
} from '@treaty/evidence';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { statementsIssued } from '@treaty/service-kit';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * DESIGN §11 through the real gateway: every fact a partner acts on is in its service's log, provably;
 * the log is provably append-only between two visits; a witness countersigns; and every tampering a
 * database administrator could do (edit a fact or an entry, delete, reorder, truncate, fork) is named by
 * the offline verifier.
 */
const NOW = '2026-06-15T09:30:00.000Z';
const LOGS = ['milestones', 'prisoners', 'corridors', 'guarantors'] as const;
type Log = (typeof LOGS)[number];
const CLI = new URL('../packages/evidence/dist/cli.js', import.meta.url).pathname;
const run = promisify(execFile);

let f: Federation;
let demo: DemoResult;
let monitorToken: string;
let dir: string;

const HEAD = `query { evidenceLogs { milestones { id publicKey size treeHead { log size rootHash timestamp signature note cosignatures { witness keyId } } } } }`;

async function ok<T = any>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const r = await f.request<T>(query, variables, token);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

const exportOf = (log: Log) => downloadExport(f.url, log, { token: monitorToken });
const db = (log: Log) => f.databases[log]!.db;

/** Runs `sql` as a database administrator would: with the log's append-only triggers out of the way. */
async function asAdministrator(log: Log, sql: string, params: unknown[] = []): Promise<void> {
  await db(log).transaction(async (m) => {
    await m.query(`SET LOCAL session_replication_role = replica`);
    await m.query(sql, params);
  });
}

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  monitorToken = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
  dir = await mkdtemp(path.join(tmpdir(), 'treaty-evidence-'));
});
afterAll(async () => {
  await f?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the logs after the demo scenario', () => {
  it('hold every certification, handover, verification and movement of money, each provably included under a signed head', async () => {
    const { agreement } = await ok(
      `query ($id: ID!) { agreement(id: $id) { milestones { certifications { id logEntry { log leafIndex leafHash kind subject } } } } }`,
      { id: demo.agreementId },
      monitorToken,
    );
    const certifications = agreement.milestones.flatMap((m: any) => m.certifications);
    expect(certifications.length).toBeGreaterThan(0);
    const { evidenceLogs } = await ok(HEAD);
    const log = evidenceLogs.milestones;
    const head = log.treeHead;
    expect(head.size).toBe(log.size);
    // The head is signed by the key the log publishes, over the exact note it shows.
    expect(verifyTreeHeadSignature(head.note, head.signature, log.publicKey)).toBe(true);
    for (const c of certifications) {
      expect(c.logEntry).toMatchObject({ log: 'treaty/milestones', kind: 'certification', subject: c.id });
      const { evidenceLogs: p } = await ok(
        `query ($i: Int!) { evidenceLogs { milestones { inclusionProof(leafIndex: $i) { treeSize leafHash rootHash path } } } }`,
        { i: c.logEntry.leafIndex },
      );
      const proof = p.milestones.inclusionProof;
      expect(proof.leafHash).toBe(c.logEntry.leafHash);
      expect(proof.rootHash).toBe(head.rootHash);
      const path = proof.path.map((h: string) => fromHex(h)!);
      expect(verifyInclusion(fromHex(proof.leafHash)!, c.logEntry.leafIndex, proof.treeSize, path, fromHex(head.rootHash)!)).toBe(true);
      // A proof for another index does not verify: the check is real.
      expect(verifyInclusion(fromHex(proof.leafHash)!, c.logEntry.leafIndex ^ 1, proof.treeSize, path, fromHex(head.rootHash)!)).toBe(false);
    }
  });

  it('exports each of the four logs, and the offline verifier finds each complete and consistent', async () => {
    const kinds: Record<string, Set<string>> = {};
    for (const log of LOGS) {
      const exp = await exportOf(log);
      const report = verifyExport(exp);
      expect(report.problems, `${log}: ${report.problems.join('\n')}`).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.size).toBeGreaterThan(0);
      kinds[log] = new Set(exp.entries.map((e) => e.kind));
      // No personal data in clear: the demo's detainee names appear nowhere in any entry.
      for (const e of exp.entries) expect(e.entry).not.toMatch(/medical|asthma/i);
    }
    expect([...kinds.milestones!]).toEqual(expect.arrayContaining(['certification']));
    expect([...kinds.prisoners!]).toEqual(expect.arrayContaining(['handover']));
    expect([...kinds.corridors!]).toEqual(expect.arrayContaining(['incident-verification']));
    expect([...kinds.guarantors!]).toEqual(expect.arrayContaining(['ledger-journal', 'tranche-approval']));
  });

  it('serves a page of entries, each with its proof and fact, and of heads with their witnesses, in as many statements for the whole log as for 2', async () => {
    const PAGE = `query ($n: Int!) { evidenceLogs { guarantors {
      entries(first: $n) { leafIndex leafHash kind currentFact inclusionProof { rootHash path } }
      treeHeads(first: $n) { size cosignatures { witness } } } } }`;
    const measure = async (n: number) => {
      const before = statementsIssued(db('guarantors'));
      const data = await ok(PAGE, { n }, monitorToken);
      return { data, statements: statementsIssued(db('guarantors')) - before };
    };
    const { evidenceLogs: sized } = await ok(`query { evidenceLogs { guarantors { size } } }`);
    const all = sized.guarantors.size as number;
    expect(all).toBeGreaterThanOrEqual(5);
    const two = await measure(2);
    const every = await measure(all);
    expect(every.data.evidenceLogs.guarantors.entries).toHaveLength(all);
    // Not one more per entry: at most one more per kind of fact the longer page adds (each kind's facts
    // as held now are read in one batch).
    const kinds = (d: any) => new Set<string>(d.evidenceLogs.guarantors.entries.map((e: any) => e.kind));
    const added = [...kinds(every.data)].filter((k) => !kinds(two.data).has(k)).length;
    expect(every.statements).toBeLessThanOrEqual(two.statements + added);
    expect(every.statements).toBeGreaterThanOrEqual(two.statements);
    const root = every.data.evidenceLogs.guarantors.entries[0].inclusionProof.rootHash;
    for (const e of every.data.evidenceLogs.guarantors.entries) {
      expect(e.currentFact).not.toBeNull();
      expect(e.inclusionProof.rootHash).toBe(root);
    }
  });

  it('records a read of personal data as an entry with a pseudonymous reference, never the name or the id', async () => {
    const intermediary = await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary' });
    const { evidenceLogs: before } = await ok(`query { evidenceLogs { prisoners { size } } }`);
    const { detainees } = await ok(`query ($a: ID!) { detainees(agreementId: $a) { id } }`, { a: demo.agreementId }, intermediary);
    const id = detainees[0].id;
    const r = await f.request(`query ($id: ID!) { detainee(id: $id) { name } }`, { id }, intermediary, { 'x-purpose': 'release-verification' });
    expect(r.body.errors).toBeUndefined();
    const name = r.body.data.detainee.name as string;
    const { evidenceLogs: after } = await ok(
      `query ($i: Int!) { evidenceLogs { prisoners { size entry(leafIndex: $i) { kind entry } } } }`,
      { i: before.prisoners.size },
      monitorToken,
    );
    expect(after.prisoners.size).toBe(before.prisoners.size + 1);
    const entry = after.prisoners.entry;
    expect(entry.kind).toBe('personal-data-access');
    expect(entry.entry).toContain('"purpose":"release-verification"');
    expect(entry.entry).toContain('"fields":["name"]');
    expect(entry.entry).not.toContain(name);
    expect(entry.entry).not.toContain(id);
  });

  it('proves the log append-only between two visits: a consistency proof from the head kept before a new fact', async () => {
    const first = (await ok(HEAD)).evidenceLogs.milestones.treeHead;
    await freshCertification('A step certified between two visits');
    const second = (await ok(HEAD)).evidenceLogs.milestones.treeHead;
    expect(second.size).toBe(first.size + 1);
    const { evidenceLogs } = await ok(
      `query ($from: Int!, $to: Int!) { evidenceLogs { milestones { consistencyProof(fromSize: $from, toSize: $to) { fromRoot toRoot path } } } }`,
      { from: first.size, to: second.size },
    );
    const proof = evidenceLogs.milestones.consistencyProof;
    expect(proof.fromRoot).toBe(first.rootHash);
    expect(proof.toRoot).toBe(second.rootHash);
    const path = proof.path.map((h: string) => fromHex(h)!);
    expect(verifyConsistency(first.size, second.size, path, fromHex(first.rootHash)!, fromHex(second.rootHash)!)).toBe(true);
    expect(verifyConsistency(first.size, second.size, path, fromHex(second.rootHash)!, fromHex(first.rootHash)!)).toBe(false);
  });

  it('a refused write appends nothing: a second certification of a milestone leaves the log as it was', async () => {
    const certified = await freshCertification('A step certified once');
    const before = (await ok(HEAD)).evidenceLogs.milestones.size;
    const again = await f.request(
      `mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`,
      { input: { milestoneId: certified, evidence: [{ reference: 'second report' }] } },
      monitorToken,
    );
    expect(again.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(again.body.errors![0]!.message).toMatch(/already certified/);
    expect((await ok(HEAD)).evidenceLogs.milestones.size).toBe(before);
    const [{ n }] = await db('milestones').query(`SELECT count(*)::int AS n FROM evidence_entry`);
    expect(n).toBe(before);
  });
});

/** Adds a milestone to the demo agreement and certifies it: one new entry in the milestones log. Returns its id. */
async function freshCertification(title: string): Promise<string> {
  const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
  const { agreement } = await ok(`query ($id: ID!) { agreement(id: $id) { parties { id } phases { ordinal startDay endDay } } }`, { id: demo.agreementId });
  const phase = agreement.phases.at(-1);
  const { addMilestone } = await ok(
    `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`,
    { input: { agreementId: demo.agreementId, phaseOrdinal: phase.ordinal, title, dueDay: phase.endDay, obligatedPartyId: agreement.parties[0].id } },
    mediator,
  );
  await ok(
    `mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`,
    { input: { milestoneId: addMilestone.id, evidence: [{ reference: `report on ${title}` }] } },
    monitorToken,
  );
  return addMilestone.id;
}

describe('witnesses', () => {
  it('a guarantor countersigns a head with its own key; the head shows it and the verifier checks it', async () => {
    const key = generateSigningKey();
    const publicKey = Buffer.from(publicKeyRaw(key)).toString('base64');
    const head = (await ok(HEAD)).evidenceLogs.milestones.treeHead;
    const signature = Buffer.from(signCosignature(head.note, key)).toString('base64');
    const guarantor = await f.token({ roles: ['GUARANTOR'], agency: 'Fund of Orsova' });
    const MUTATION = `mutation ($input: CountersignTreeHeadInput!) { countersignMilestonesLog(input: $input) { size cosignatures { witness publicKey } } }`;
    const { countersignMilestonesLog } = await ok(MUTATION, { input: { treeSize: head.size, rootHash: head.rootHash, publicKey, signature } }, guarantor);
    expect(countersignMilestonesLog.cosignatures).toEqual([{ witness: 'Fund of Orsova', publicKey }]);
    const exp = await exportOf('milestones');
    const report = verifyExport(exp, { witnessKeys: { 'Fund of Orsova': publicKey } });
    expect(report.problems).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/Fund of Orsova/);

    // A root the log never signed for that size is refused, and nothing is stored.
    const wrongRoot = head.rootHash.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    const forked = await f.request(MUTATION, { input: { treeSize: head.size, rootHash: wrongRoot, publicKey, signature } }, guarantor);
    expect(forked.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(forked.body.errors![0]!.message).toMatch(/two different histories/);
    // A signature over something else is refused too.
    const other = Buffer.from(signCosignature(`${head.note}x`, key)).toString('base64');
    const bad = await f.request(MUTATION, { input: { treeSize: head.size, rootHash: head.rootHash, publicKey, signature: other } }, guarantor);
    expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(bad.body.errors![0]!.message).toMatch(/does not verify/);
    // The same countersignature again is answered as the first; another key of the same agency is refused.
    const repeat = await ok(MUTATION, { input: { treeSize: head.size, rootHash: head.rootHash, publicKey, signature } }, guarantor);
    expect(repeat.countersignMilestonesLog.cosignatures).toHaveLength(1);
    const second = generateSigningKey();
    const secondKey = Buffer.from(publicKeyRaw(second)).toString('base64');
    const twice = await f.request(MUTATION, { input: { treeSize: head.size, rootHash: head.rootHash, publicKey: secondKey, signature: Buffer.from(signCosignature(head.note, second)).toString('base64') } }, guarantor);
    expect(twice.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(twice.body.errors![0]!.message).toMatch(/already countersigned .* a witness signs a head once/);
    const [{ n }] = await db('milestones').query(`SELECT count(*)::int AS n FROM evidence_cosignature`);
    expect(n).toBe(1);
    // Only a party, a guarantor or the monitoring cell witnesses; an anonymous caller cannot.
    const anonymous = await f.request(MUTATION, { input: { treeSize: head.size, rootHash: head.rootHash, publicKey, signature } });
    expect(anonymous.body.errors![0]!.extensions!.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
  });
});

describe('the command line, against the running graph', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, TREATY_TOKEN: monitorToken } }).then(
      (r) => ({ code: 0, out: `${r.stdout}${r.stderr}` }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
    );

  it('keeps a head, and a witness later countersigns the next one only after proving it extends the kept one', async () => {
    const keyFile = path.join(dir, 'monitor-witness.key');
    const keptFile = path.join(dir, 'corridors-head.json');
    const keygen = await cli('keygen', '--out', keyFile);
    expect(keygen.code, keygen.out).toBe(0);
    expect((await cli('head', f.url, '--log', 'corridors', '--out', keptFile)).code).toBe(0);
    // A new fact in the corridors log: an incident reported and verified.
    const monitor = monitorToken;
    const { agreement } = await ok(`query ($id: ID!) { agreement(id: $id) { incidents { id verificationState } } }`, { id: demo.agreementId }, monitor);
    const open = agreement.incidents.find((i: any) => i.verificationState === 'REPORTED');
    expect(open, 'the demo has an incident still REPORTED').toBeDefined();
    await ok(`mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`, { input: { incidentId: open.id, state: 'UNDER_REVIEW' } }, monitor);
    const cosign = await cli('cosign', f.url, '--log', 'corridors', '--key', keyFile, '--previous', keptFile);
    expect(cosign.code, cosign.out).toBe(0);
    const { evidenceLogs } = await ok(`query { evidenceLogs { corridors { treeHead { size cosignatures { witness } } } } }`);
    expect(evidenceLogs.corridors.treeHead.cosignatures).toEqual([{ witness: 'Joint Monitoring Cell' }]);
    // The whole log downloaded and verified from the URL, then exported to a file and verified offline.
    const verify = await cli('verify', f.url, '--log', 'corridors', '--head', keptFile);
    expect(verify.code, verify.out).toBe(0);
    const file = path.join(dir, 'corridors.json');
    const exported = await cli('export', f.url, '--log', 'corridors', '--out', file);
    expect(exported.code, exported.out).toBe(0);
    expect(exported.out).toMatch(/wrote \d+ entries and \d+ signed heads of treaty\/corridors/);
    const offline = await cli('verify', file, '--head', keptFile);
    expect(offline.code, offline.out).toBe(0);
  });
});

describe('tampering, as a database administrator would, named by the offline verifier', () => {
  /** The head a partner kept from an earlier visit. */
  let kept: KeptHead;
  beforeAll(async () => {
    const exp = await exportOf('milestones');
    const head = exp.treeHeads.at(-1)!;
    kept = { ...head, log: exp.log, publicKey: exp.publicKey };
  });

  const problems = async (log: Log, keptHeads: KeptHead[] = []) => verifyExport(await exportOf(log), { keptHeads }).problems.join('\n');

  it('the service itself cannot rewrite its log: UPDATE, DELETE and TRUNCATE are refused', async () => {
    await expect(db('corridors').query(`UPDATE evidence_entry SET kind = kind`)).rejects.toThrow(/append-only/);
    await expect(db('corridors').query(`DELETE FROM evidence_node`)).rejects.toThrow(/append-only/);
    await expect(db('corridors').query(`TRUNCATE evidence_entry`)).rejects.toThrow(/append-only/);
  });

  it('an edited fact (a certification with another verifier) differs from its entry, by field', async () => {
    const [c] = await db('milestones').query(`SELECT id, verifier FROM certification ORDER BY recorded_at LIMIT 1`);
    await db('milestones').query(`UPDATE certification SET verifier = 'Someone Else' WHERE id = $1`, [c.id]);
    try {
      const found = await problems('milestones');
      expect(found).toMatch(new RegExp(`certification ${c.id} as stored now differs from log entry #\\d+: verifier logged "?${c.verifier}"?, now "?Someone Else"?`));
    } finally {
      await db('milestones').query(`UPDATE certification SET verifier = $2 WHERE id = $1`, [c.id, c.verifier]);
    }
    expect(await problems('milestones')).toBe('');
  });

  it('a deleted fact (a release journal) is named as held in the log but gone from the service', async () => {
    const [j] = await db('guarantors').query(`SELECT id FROM ledger_journal WHERE kind = 'RELEASE' LIMIT 1`);
    await asAdministrator('guarantors', `DELETE FROM ledger_entry WHERE journal_id = $1`, [j.id]);
    await asAdministrator('guarantors', `DELETE FROM ledger_journal WHERE id = $1`, [j.id]);
    expect(await problems('guarantors')).toMatch(new RegExp(`records ledger-journal ${j.id}, which the service no longer holds`));
  });

  it('a fact written behind the log (a certification inserted by hand) is named as not in the log', async () => {
    const [m] = await db('milestones').query(`SELECT id FROM milestone WHERE id NOT IN (SELECT milestone_id FROM certification) AND id NOT IN (SELECT milestone_id FROM waiver) LIMIT 1`);
    const id = crypto.randomUUID();
    await db('milestones').query(
      `INSERT INTO certification (id, milestone_id, verifier, met_at, recorded_at, evidence) VALUES ($1, $2, 'Forged Verifier', now(), now(), '[{"reference": "forged report", "description": null, "sha256": null}]'::jsonb)`,
      [id, m.id],
    );
    try {
      expect(await problems('milestones')).toMatch(new RegExp(`certification ${id} exists but is not in the log`));
    } finally {
      await db('milestones').query(`DELETE FROM certification WHERE id = $1`, [id]);
    }
  });

  it('an edited entry no longer hashes to its leaf', async () => {
    const [e] = await db('corridors').query(`SELECT leaf_index, entry FROM evidence_entry WHERE kind = 'incident-verification' ORDER BY leaf_index LIMIT 1`);
    const edited = e.entry.replace('"state":"', '"state":"X');
    await asAdministrator('corridors', `UPDATE evidence_entry SET entry = $2 WHERE leaf_index = $1`, [e.leaf_index, edited]);
    try {
      expect(await problems('corridors')).toMatch(new RegExp(`entry #${e.leaf_index} .*does not hash to its recorded leaf hash`));
    } finally {
      await asAdministrator('corridors', `UPDATE evidence_entry SET entry = $2 WHERE leaf_index = $1`, [e.leaf_index, e.entry]);
    }
    expect(await problems('corridors')).toBe('');
  });

  it('an entry rewritten with its leaf hash too breaks the chain and every signed head after it', async () => {
    const [e] = await db('corridors').query(`SELECT leaf_index, entry FROM evidence_entry WHERE kind = 'incident-verification' ORDER BY leaf_index LIMIT 1`);
    const edited = e.entry.replace('"state":"', '"state":"X');
    const { createHash } = await import('node:crypto');
    const leaf = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(edited)])).digest();
    await asAdministrator('corridors', `UPDATE evidence_entry SET entry = $2 WHERE leaf_index = $1`, [e.leaf_index, edited]);
    await asAdministrator('corridors', `UPDATE evidence_node SET hash = $2 WHERE level = 0 AND idx = $1`, [e.leaf_index, leaf]);
    const found = await problems('corridors');
    expect(found).toMatch(new RegExp(`entry #${Number(e.leaf_index) + 1} does not follow #${e.leaf_index}`));
    expect(found).toMatch(/covers a different history/);
  });

  it('a deleted entry leaves a gap the verifier names', async () => {
    const [{ n }] = await db('prisoners').query(`SELECT count(*)::int AS n FROM evidence_entry`);
    expect(n).toBeGreaterThan(3);
    await asAdministrator('prisoners', `DELETE FROM evidence_entry WHERE leaf_index = 2`);
    expect(await problems('prisoners')).toMatch(/entry #2 is missing \(the export jumps from #1 to #3\)/);
  });

  it('two entries swapped are named where the order breaks', async () => {
    const exp = await exportOf('guarantors');
    expect(exp.entries.length).toBeGreaterThan(4);
    // Swap the contents of entries 3 and 4 (and their leaf hashes), keeping the indices.
    await asAdministrator(
      'guarantors',
      `WITH a AS (SELECT leaf_index, kind, subject, entry FROM evidence_entry WHERE leaf_index IN (3, 4))
       UPDATE evidence_entry e SET kind = b.kind, subject = b.subject, entry = b.entry FROM a b WHERE b.leaf_index = 7 - e.leaf_index`,
    );
    const found = await problems('guarantors');
    expect(found).toMatch(/entry #3 .*(does not follow #2|does not hash)/);
  });

  it('a truncated log is caught against the head a partner kept; a rewritten one as a fork', async () => {
    const keptNow = await exportOf('milestones');
    expect(verifyExport(keptNow, { keptHeads: [kept] }).problems).toEqual([]);
    // Everything from entry kept.size - 2 on goes: its entries, every node over them, its heads.
    const cut = kept.size - 2;
    await asAdministrator('milestones', `DELETE FROM evidence_entry WHERE leaf_index >= $1`, [cut]);
    await asAdministrator('milestones', `DELETE FROM evidence_node WHERE (idx + 1) * (1::bigint << level) > $1`, [cut]);
    await asAdministrator('milestones', `DELETE FROM evidence_cosignature`);
    await asAdministrator('milestones', `DELETE FROM evidence_tree_head WHERE tree_size > $1`, [cut]);
    await asAdministrator('milestones', `UPDATE evidence_log_size SET size = $1`, [cut]);
    const truncated = verifyExport(await exportOf('milestones'), { keptHeads: [kept] });
    expect(truncated.ok).toBe(false);
    expect(truncated.problems.join('\n')).toMatch(/truncated/);
    expect(truncated.problems.join('\n')).toContain(String(kept.size));

    // The operator appends other facts to reach the kept size again: the same size, another root.
    await freshCertification('Rewritten history, one');
    await freshCertification('Rewritten history, two');
    await ok(HEAD);
    const rewritten = await exportOf('milestones');
    const forked = verifyExport(rewritten, { keptHeads: [kept] });
    expect(forked.problems.join('\n')).toMatch(/FORKED HISTORY/);

    // The command line says the same, offline, from the saved file.
    const file = path.join(dir, 'milestones.json');
    const keptFile = path.join(dir, 'kept.json');
    await writeFile(file, JSON.stringify(rewritten));
    await writeFile(keptFile, JSON.stringify(kept));
    const cli = await run(process.execPath, [CLI, 'verify', file, '--head', keptFile]).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
    );
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/FORKED HISTORY/);
  });
});

describe('concurrent writers on two replicas', () => {
  let g: Federation;
  beforeAll(async () => {
    g = await startFederation(ALL_SERVICES, { now: NOW, replicas: { milestones: 2 } });
  });
  afterAll(() => g?.stop());

  it('get contiguous indices with no gap and no duplicate, and the log verifies', async () => {
    const mediator = await g.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
    const monitor = await g.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
    const created = await g.request(
      `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`,
      {
        input: {
          title: 'Accord of the Two Replicas',
          entryIntoForceAt: '2026-06-01T00:00:00Z',
          parties: [{ name: 'Republic of Tessaly', kind: 'GOVERNMENT' }, { name: 'Coastal Front', kind: 'NON_STATE_ARMED_GROUP' }],
          phases: [{ ordinal: 1, name: 'Phase one', startDay: 0, endDay: 90, permittedCargo: ['HUMANITARIAN_AID'] }],
        },
      },
      mediator,
    );
    const agreement = created.body.data.createAgreement;
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const r = await g.request(
        `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`,
        { input: { agreementId: agreement.id, phaseOrdinal: 1, title: `Step ${i + 1}`, dueDay: 30 + i, obligatedPartyId: agreement.parties[0].id } },
        mediator,
      );
      ids.push(r.body.data.addMilestone.id);
    }
    const answers = await Promise.all(
      ids.map((id) =>
        g.request(`mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id certifications { logEntry { leafIndex } } } }`, {
          input: { milestoneId: id, evidence: [{ reference: `report-${id}` }] },
        }, monitor),
      ),
    );
    for (const a of answers) expect(a.body.errors, JSON.stringify(a.body.errors)).toBeUndefined();
    const indices = answers.map((a) => a.body.data.certifyMilestone.certifications[0].logEntry.leafIndex as number).sort((a, b) => a - b);
    expect(indices).toEqual(Array.from({ length: 12 }, (_, i) => indices[0]! + i));
    // Both replicas served some of them.
    expect(g.replicas.milestones!.served.every((n) => n > 0)).toBe(true);
    const exp: EvidenceExport = await downloadExport(g.url, 'milestones', { token: monitor });
    expect(verifyExport(exp).problems).toEqual([]);
  });
});
