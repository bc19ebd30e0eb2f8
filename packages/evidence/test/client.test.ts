import { afterEach, describe, expect, it } from 'vitest';
import { base64, fromHex } from '../src/canonical.js';
import {
  EvidenceClientError,
  checkHeadConsistency,
  downloadExport,
  fetchConsistencyProof,
  fetchTreeHead,
  logName,
  submitCosignature,
} from '../src/client.js';
import { verifyExport } from '../src/export.js';
import { generateSigningKey, publicKeyRaw, signCosignature, verifyTreeHeadSignature } from '../src/note.js';
import { buildExport, headTime } from './build-export.js';
import { startMockGraph, type MockGraph } from './mock-graph.js';

let mock: MockGraph | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('downloadExport', () => {
  it('pages entries and heads until exhausted and assembles an export that verifies', async () => {
    const exp = buildExport(25, { headSizes: [2, 5, 9, 13, 20, 25] });
    mock = await startMockGraph(exp, { token: 't0k' });
    const progress: string[] = [];
    const got = await downloadExport(mock.url, 'milestones', { token: 't0k', pageSize: 4, onProgress: (p) => progress.push(p.phase) });
    expect(got.entries).toEqual(exp.entries);
    expect(got.treeHeads).toEqual(exp.treeHeads); // the signed timestamp text, from the note
    expect(got.log).toBe(exp.log);
    expect(got.publicKey).toBe(exp.publicKey);
    expect(got.format).toBe('treaty-evidence-export/v1');
    expect(verifyExport(got).problems).toEqual([]);
    const pages = mock.requests.map((r) => r.variables);
    expect(pages.filter((v) => 'from' in v).map((v) => v.from)).toEqual([0, 4, 8, 12, 16, 20, 24]);
    expect(pages.filter((v) => 'fromSize' in v).map((v) => v.fromSize)).toEqual([0, 14]);
    expect(mock.requests.every((r) => r.authorization === 'Bearer t0k')).toBe(true);
    expect(progress).toEqual(expect.arrayContaining(['heads', 'entries', 'facts']));
  });

  it('says what went wrong: GraphQL errors with their code, HTTP errors, an unreachable URL, an unknown log', async () => {
    mock = await startMockGraph(buildExport(3), { token: 'secret' });
    const graphqlError = await downloadExport(mock.url, 'milestones').catch((e: unknown) => e);
    expect(graphqlError).toBeInstanceOf(EvidenceClientError);
    expect((graphqlError as EvidenceClientError).code).toBe('UNAUTHENTICATED');
    expect((graphqlError as Error).message).toBe(
      `GraphQL error from ${mock.url}: You must be signed in to read the evidence log (UNAUTHENTICATED). Pass a token that may read the evidence log with --token or TREATY_TOKEN.`,
    );
    mock.failWith = 401;
    const httpError = await fetchTreeHead(mock.url, 'milestones', { token: 'secret' }).catch((e: unknown) => e);
    expect((httpError as Error).message).toBe(`HTTP 401 Unauthorized from ${mock.url}: Access denied (UNAUTHENTICATED). Pass a valid token with --token or TREATY_TOKEN.`);
    const unreachable = await fetchTreeHead('http://127.0.0.1:1/graphql', 'milestones').catch((e: unknown) => e);
    expect((unreachable as EvidenceClientError).code).toBe('NETWORK');
    expect((unreachable as Error).message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:1\/graphql: .*Check the URL and that the gateway is running\.$/);
    await expect(fetchTreeHead(mock.url, 'elsewhere')).rejects.toThrow('unknown log "elsewhere": use one of milestones, prisoners, corridors, guarantors');
  });

  it('logName', () => {
    expect(logName('treaty/guarantors')).toBe('guarantors');
    expect(logName('corridors')).toBe('corridors');
    expect(logName('treaty/x')).toBeNull();
  });
});

describe('heads, consistency, cosignatures', () => {
  it('fetches a head as a kept head whose signature verifies', async () => {
    const exp = buildExport(9, { headSizes: [4, 9] });
    mock = await startMockGraph(exp);
    const h = await fetchTreeHead(mock.url, 'milestones');
    expect(h).toEqual({ ...exp.treeHeads[1], log: exp.log, publicKey: exp.publicKey });
    expect(h.timestamp).toBe(headTime(9));
    expect(verifyTreeHeadSignature({ log: h.log, size: h.size, rootHash: h.rootHash, timestamp: h.timestamp }, h.signature, h.publicKey)).toBe(true);
    expect((await fetchTreeHead(mock.url, 'milestones', { size: 4 })).size).toBe(4);
  });

  it('checkHeadConsistency accepts an extension and names a fork', async () => {
    const exp = buildExport(9, { headSizes: [4, 9] });
    mock = await startMockGraph(exp);
    const [h4, h9] = exp.treeHeads as [typeof exp.treeHeads[0], typeof exp.treeHeads[0]];
    const proof = await fetchConsistencyProof(mock.url, 'milestones', 4, 9);
    expect(checkHeadConsistency(h4, h9, proof)).toBeNull();
    expect(checkHeadConsistency(h9, h9, null)).toBeNull();
    const forked = buildExport(4, { salt: '-f' }).treeHeads.at(-1)!;
    expect(checkHeadConsistency(forked, h9, proof)).toMatch(/^FORKED HISTORY: the kept head of size 4 .* disagree: the log now says the tree of size 4 has root [0-9a-f]{64}: the log has shown two different histories/);
    expect(checkHeadConsistency(forked, h9, { ...proof, fromRoot: forked.rootHash })).toMatch(/^FORKED HISTORY: .* are not consistent \(the consistency proof fails\)/);
    expect(checkHeadConsistency(h9, h4, null)).toMatch(/smaller than the kept head's 9: the log was truncated/);
    expect(checkHeadConsistency({ ...h9, rootHash: h4.rootHash }, h9, null)).toMatch(/^FORKED HISTORY: .* have the same size but different roots/);
    expect(checkHeadConsistency(h4, h9, { ...proof, path: ['zz'] })).toMatch(/malformed/);
  });

  it('submits a cosignature and gets the countersigned head back', async () => {
    const exp = buildExport(6, { headSizes: [6] });
    mock = await startMockGraph(exp);
    const witness = generateSigningKey();
    const h = await fetchTreeHead(mock.url, 'milestones');
    const signature = base64(signCosignature({ log: h.log, size: h.size, rootHash: h.rootHash, timestamp: h.timestamp }, witness));
    const back = await submitCosignature(mock.url, 'milestones', { treeSize: h.size, rootHash: h.rootHash, publicKey: base64(publicKeyRaw(witness)), signature });
    expect(back.cosignatures).toHaveLength(1);
    expect(mock.requests.at(-1)!.query).toMatch(/^mutation Countersign\(.*countersignMilestonesLog\(input: \{ treeSize: \$treeSize/);
    const r = verifyExport(await downloadExport(mock.url, 'milestones'), { witnessKeys: { 'Fund of Orsova': base64(publicKeyRaw(witness)) } });
    expect(r.problems).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/countersigned by trusted witness Fund of Orsova/);
    const refused = await submitCosignature(mock.url, 'milestones', { treeSize: 6, rootHash: '00'.repeat(32), publicKey: base64(publicKeyRaw(witness)), signature }).catch((e: unknown) => e);
    expect((refused as EvidenceClientError).code).toBe('BAD_USER_INPUT');
    expect(fromHex(h.rootHash)).not.toBeNull();
  });
});
