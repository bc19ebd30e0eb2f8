import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../src/canonical.js';
import type { KeptHead } from '../src/export.js';
import { parseSigningKey, publicKeyRaw, serializeSigningKey, generateSigningKey } from '../src/note.js';
import { buildExport, keptOf } from './build-export.js';
import { startMockGraph, type MockGraph } from './mock-graph.js';

const pkg = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLI = path.join(pkg, 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, TREATY_TOKEN: '', ...env }, cwd: dir }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'inherit' });
  dir = await mkdtemp(path.join(tmpdir(), 'treaty-evidence-cli-'));
  const exp = buildExport(12);
  await writeFile(file('good.json'), JSON.stringify(exp));
  const tampered = structuredClone(exp);
  tampered.entries[5]!.entry = tampered.entries[5]!.entry.replace('"amount":500', '"amount":5000');
  await writeFile(file('tampered.json'), JSON.stringify(tampered));
  const fork = buildExport(12, { salt: '-fork' });
  await writeFile(file('forked-head.json'), JSON.stringify(keptOf(fork, fork.treeHeads.at(-1)!)));
  await writeFile(file('good-head.json'), JSON.stringify(keptOf(exp, exp.treeHeads[1]!)));
  await writeFile(file('not-json.json'), '{ nope');
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('treaty-evidence verify <file>', () => {
  it('a genuine export: exit 0, and it says so', async () => {
    const r = await cli(['verify', file('good.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^treaty-evidence: treaty\/milestones from .*good\.json: 12 entries, root [0-9a-f]{64}\n/);
    expect(r.stdout).toContain('· 12 entries checked (#0 to #11)');
    expect(r.stdout).toMatch(/\nOK: nothing wrong found\.\n$/);
  });

  it('a tampered export: exit 1, naming the entry', async () => {
    const r = await cli(['verify', file('tampered.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PROBLEMS (2):');
    expect(r.stdout).toContain('✗ entry #5 (ruling r5) does not hash to its recorded leaf hash: its content was edited after it was logged');
    expect(r.stdout).toContain('✗ ruling r5 as stored now differs from log entry #5: amount logged 5000, now 500');
    expect(r.stdout).toMatch(/FAILED: 2 problems found/);
  });

  it('without the subcommand, as `npm run verify-evidence -- file.json` calls it', async () => {
    expect((await cli([file('good.json')])).code).toBe(0);
    expect((await cli([file('tampered.json')])).code).toBe(1);
    expect((await cli(['--log', 'milestones', file('good.json')])).code).toBe(0);
  });

  it('with kept heads: a forked one fails with FORKED HISTORY, a genuine one passes', async () => {
    const forked = await cli(['verify', file('good.json'), '--head', file('forked-head.json')]);
    expect(forked.code).toBe(1);
    expect(forked.stdout).toMatch(/✗ FORKED HISTORY: the log signed two different trees of size 12/);
    expect(forked.stdout).toContain('in kept head #1 (');
    const ok = await cli(['verify', file('good.json'), '--head', file('good-head.json')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/the kept tree head of size 6 .*good-head\.json\) is consistent with the log's tree head of size 12/);
  });

  it('--json prints the report', async () => {
    const r = await cli(['verify', file('tampered.json'), '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: false, log: 'treaty/milestones', size: 12 });
    expect(report.problems).toHaveLength(2);
  });

  it('--log that does not match the file is a problem', async () => {
    const r = await cli(['verify', file('good.json'), '--log', 'prisoners']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ the export is for log treaty/milestones, but --log asked for treaty/prisoners');
  });

  it('usage and file errors: exit 2 with what to do', async () => {
    const missing = await cli(['verify', file('missing.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.json: no such file (an evidence export (treaty-evidence-export/v1)). Commands are verify, export, head, cosign, keygen; run treaty-evidence --help');
    const typo = await cli(['verfy', file('good.json')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/verify takes one export file or URL, got 2/);
    const notJson = await cli(['verify', file('not-json.json')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/not-json\.json is not JSON .*; expected an evidence export/);
    const badWitness = await cli(['verify', file('good.json'), '--witness', 'Fund=xyz']);
    expect(badWitness.code).toBe(2);
    expect(badWitness.stderr).toContain('--witness Fund=xyz: expected name=<base64 Ed25519 public key, 32 bytes>');
    const unknown = await cli(['verify', file('good.json'), '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'[\s\S]*Run treaty-evidence --help for usage\./);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage:');
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('treaty-evidence verify <export.json | graphql URL>');
  });
});

describe('treaty-evidence keygen', () => {
  it('writes a PKCS8 PEM key with mode 0600 and prints its public key', async () => {
    const r = await cli(['keygen', '--out', file('witness.key')]);
    expect(r.code).toBe(0);
    const pub = fromBase64(r.stdout.trim(), 32);
    expect(pub).not.toBeNull();
    const pem = await readFile(file('witness.key'), 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(publicKeyRaw(parseSigningKey(pem))).toEqual(pub);
    expect((await stat(file('witness.key'))).mode & 0o777).toBe(0o600);
    expect(r.stderr).toMatch(/key id [0-9a-f]{16}/);
    const again = await cli(['keygen', '--out', file('witness.key')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; not overwriting a key (pass --force to replace it)');
    expect((await cli(['keygen'])).code).toBe(2);
  });
});

describe('against a graph', () => {
  let mock: MockGraph;
  beforeAll(async () => {
    mock = await startMockGraph(buildExport(20, { headSizes: [5, 11, 20] }), { token: 'tok' });
  });
  afterAll(() => mock?.close());

  it('verify <URL> downloads, verifies and --save keeps the export', async () => {
    const r = await cli(['verify', mock.url, '--log', 'milestones', '--save', file('saved.json')], { TREATY_TOKEN: 'tok' });
    expect(r.stderr).toContain(`treaty-evidence: downloading log milestones from ${mock.url}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('20 entries, root');
    const saved = JSON.parse(await readFile(file('saved.json'), 'utf8'));
    expect(saved.entries).toHaveLength(20);
    expect((await cli(['verify', file('saved.json')])).code).toBe(0);
  });

  it('a network or auth error is exit 2 with the message', async () => {
    const r = await cli(['verify', mock.url, '--token', 'wrong']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('You must be signed in to read the evidence log (UNAUTHENTICATED)');
  });

  it('head keeps the newest head, and refuses to replace it by one that does not extend it', async () => {
    const r = await cli(['head', mock.url, '--log', 'milestones', '--token', 'tok', '--out', file('kept.json')]);
    expect(r.code).toBe(0);
    const kept = JSON.parse(await readFile(file('kept.json'), 'utf8')) as KeptHead;
    expect(kept).toMatchObject({ log: 'treaty/milestones', size: 20, publicKey: mock.exp.publicKey });
    expect(kept).not.toHaveProperty('source');
    // The log grows (genuinely): the new head extends the kept one.
    const grown = buildExport(24, { headSizes: [5, 11, 20, 24] });
    mock.exp = grown;
    const again = await cli(['head', mock.url, '--log', 'milestones', '--token', 'tok', '--out', file('kept.json')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('the new head extends the one in');
    expect(JSON.parse(await readFile(file('kept.json'), 'utf8')).size).toBe(24);
    // The log is rewritten: refused, and the kept head stays.
    mock.exp = buildExport(30, { headSizes: [30], salt: '-rewritten' });
    const forked = await cli(['head', mock.url, '--log', 'milestones', '--token', 'tok', '--out', file('kept.json')]);
    expect(forked.code).toBe(1);
    expect(forked.stderr).toMatch(/FORKED HISTORY/);
    expect(JSON.parse(await readFile(file('kept.json'), 'utf8')).size).toBe(24);
    mock.exp = grown;
  });

  it('cosign checks the head against the kept one, signs, and submits', async () => {
    await writeFile(file('w.key'), serializeSigningKey(generateSigningKey()), { mode: 0o600 });
    const r = await cli(['cosign', mock.url, '--log', 'milestones', '--key', file('w.key'), '--previous', file('kept.json'), '--out', file('cosigned.json')], { TREATY_TOKEN: 'tok' });
    expect(r.stderr).toContain('the newest head extends the kept one (size 24 -> 24, consistency proof checked)');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^countersigned treaty\/milestones head of size 24 .* with witness key [0-9a-f]{16}; the head now has 1 cosignature\n$/);
    const cosigned = JSON.parse(await readFile(file('cosigned.json'), 'utf8')) as KeptHead;
    expect(cosigned.cosignatures).toHaveLength(1);
    // The countersigned head, kept, verifies against a fresh download.
    const v = await cli(['verify', mock.url, '--token', 'tok', '--head', file('cosigned.json')]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('is countersigned by Fund of Orsova');
    // A rewritten log is not countersigned.
    const saved = mock.exp;
    mock.exp = buildExport(26, { headSizes: [26], salt: '-rewritten' });
    const refused = await cli(['cosign', mock.url, '--log', 'milestones', '--key', file('w.key'), '--previous', file('kept.json'), '--token', 'tok']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to countersign: FORKED HISTORY/);
    mock.exp = saved;
    const badKey = await cli(['cosign', mock.url, '--log', 'milestones', '--key', file('good.json'), '--token', 'tok']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/good\.json: the signing key is neither PEM nor base64/);
  });
});
