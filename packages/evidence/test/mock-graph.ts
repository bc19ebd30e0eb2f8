import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromHex, hex } from '../src/canonical.js';
import type { EvidenceExport, ExportCosignature, ExportTreeHead } from '../src/export.js';
import { consistencyProof, rootFromLeaves } from '../src/merkle.js';
import { keyId, treeHeadNote, verifyCosignature } from '../src/note.js';

/**
 * A stand-in for the gateway's evidence graph, serving one log from an export: just enough of the
 * schema (evidenceLogs { milestones { … } }, countersignMilestonesLog) for the client and the CLI.
 * Timestamps are served in another ISO form than signed (no milliseconds), as a DateTime scalar may;
 * the client must take the signed text from `note`.
 */
export interface MockGraph {
  url: string;
  exp: EvidenceExport;
  requests: Array<{ query: string; variables: Record<string, unknown>; authorization?: string }>;
  /** Root field name served: evidenceLogs, as the gateway does. */
  root: string;
  /** When set, every request fails with this HTTP status. */
  failWith?: number;
  close(): Promise<void>;
}

const looseTime = (t: string) => t.replace(/\.000Z$/, 'Z');

export async function startMockGraph(exp: EvidenceExport, opts: { token?: string } = {}): Promise<MockGraph> {
  const mock: MockGraph = { url: '', exp, requests: [], root: 'evidenceLogs', close: async () => {} };
  const name = exp.log.replace('treaty/', '');
  const graphHead = (h: ExportTreeHead) => ({
    log: exp.log,
    size: h.size,
    rootHash: h.rootHash,
    timestamp: looseTime(h.timestamp),
    keyId: keyId(exp.publicKey),
    signature: h.signature,
    note: treeHeadNote({ log: exp.log, size: h.size, rootHash: h.rootHash, timestamp: h.timestamp }),
    cosignatures: h.cosignatures.map((c) => ({ ...c, roles: ['GUARANTOR'] })),
  });
  const heads = () => [...mock.exp.treeHeads].sort((a, b) => a.size - b.size);
  const leaves = () => mock.exp.entries.map((e) => fromHex(e.leafHash)!);
  const answer = (query: string, v: Record<string, unknown>) => {
    if (query.startsWith('mutation')) {
      const field = `countersign${name[0]!.toUpperCase()}${name.slice(1)}Log`;
      const h = heads().find((x) => x.size === v.treeSize);
      if (!h) return { errors: [{ message: `no head of size ${String(v.treeSize)}`, extensions: { code: 'BAD_USER_INPUT' } }] };
      if (h.rootHash !== v.rootHash) return { errors: [{ message: 'two different histories', extensions: { code: 'BAD_USER_INPUT' } }] };
      if (!verifyCosignature({ log: exp.log, size: h.size, rootHash: h.rootHash, timestamp: h.timestamp }, String(v.signature), String(v.publicKey))) {
        return { errors: [{ message: 'The signature does not verify', extensions: { code: 'BAD_USER_INPUT' } }] };
      }
      const c: ExportCosignature = { witness: 'Fund of Orsova', keyId: keyId(String(v.publicKey)), publicKey: String(v.publicKey), signature: String(v.signature), signedAt: new Date().toISOString() };
      if (!h.cosignatures.some((x) => x.keyId === c.keyId)) h.cosignatures.push(c);
      return { data: { [field]: graphHead(h) } };
    }
    if (!query.includes(`${mock.root} {`)) {
      const wanted = /\{ (\w+) \{/.exec(query)?.[1];
      return { errors: [{ message: `Cannot query field "${wanted}" on type "Query".`, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] };
    }
    const all = heads();
    const size = mock.exp.entries.length;
    const newest = all.at(-1)!;
    const sizedHead = typeof v.size === 'number' ? all.find((h) => h.size === v.size) ?? null : newest;
    const log: Record<string, unknown> = {
      id: exp.log,
      publicKey: mock.exp.publicKey,
      size,
      treeHead: sizedHead && graphHead(sizedHead),
      treeHeads: all.filter((h) => h.size >= Number(v.fromSize ?? 0)).slice(0, Number(v.first ?? 100)).map(graphHead),
      entries: mock.exp.entries.filter((e) => e.leafIndex >= Number(v.from ?? 0)).slice(0, Number(v.first ?? 100)),
      unloggedFacts: mock.exp.unloggedFacts,
    };
    if (query.includes('consistencyProof(')) {
      const from = Number(v.fromSize);
      const to = v.toSize == null ? newest.size : Number(v.toSize);
      const l = leaves().slice(0, to);
      const lookup = (n: { level: number; index: number }) => rootFromLeaves(l.slice(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level));
      log.consistencyProof = { fromSize: from, toSize: to, fromRoot: hex(rootFromLeaves(l.slice(0, from))), toRoot: hex(rootFromLeaves(l)), path: consistencyProof(from, to, lookup).map(hex) };
    }
    return { data: { [mock.root]: { [name]: log } } };
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, unknown> };
      mock.requests.push({ query, variables, authorization: req.headers.authorization });
      if (mock.failWith) return send(mock.failWith, { errors: [{ message: 'Access denied', extensions: { code: 'UNAUTHENTICATED' } }] });
      if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
        return send(200, { errors: [{ message: 'You must be signed in to read the evidence log', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      send(200, answer(query, variables ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  mock.close = () => new Promise((resolve) => server.close(() => resolve()));
  return mock;
}
