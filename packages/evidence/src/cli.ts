#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { base64, fromAnyBase64 } from './canonical.js';
import {
  EvidenceClientError,
  LOG_NAMES,
  checkHeadConsistency,
  downloadExport,
  fetchConsistencyProof,
  fetchTreeHead,
  logName,
  submitCosignature,
  type LogName,
} from './client.js';
import { verifyExport, type KeptHead, type Report } from './export.js';
import { generateSigningKey, keyId, parseSigningKey, publicKeyRaw, serializeSigningKey, signCosignature, verifyTreeHeadSignature } from './note.js';

const USAGE = `treaty-evidence: checks the tamper-evident evidence logs of the treaty graph.

Usage:
  treaty-evidence verify <export.json | graphql URL> [--log milestones] [--token T]
                  [--head kept.json ...] [--witness name=base64key ...] [--save out.json] [--json]
      Checks a log: every entry present, in order, unedited; every signed head covering them;
      kept heads consistent (no forked history); witness cosignatures; facts unchanged since logged.
      A URL downloads the log first (--save keeps the download as an export file).
  treaty-evidence export <graphql URL> --log L [--token T] --out log.json
      Downloads the whole log (entries, signed heads, the facts as held now) as one export file,
      to keep, hand on or verify later offline.
  treaty-evidence head <graphql URL> --log L [--token T] --out head.json
      Keeps the log's newest signed head. If head.json already holds one, proves the new head
      extends it before replacing it.
  treaty-evidence cosign <graphql URL> --log L --key witness.key [--previous head.json] [--token T] [--out head.json]
      As a witness: fetches the newest head, checks the log's signature (and, with --previous, that
      it extends the head you kept), signs it and submits the cosignature.
  treaty-evidence keygen --out witness.key [--force]
      Writes a new Ed25519 witness key (PKCS8 PEM, mode 0600) and prints its public key (base64).

Logs: ${LOG_NAMES.join(', ')}. The token may also come from TREATY_TOKEN.
Exit status: 0 nothing wrong, 1 problems found, 2 usage, file or network error.
`;

class UsageError extends Error {}

const COMMANDS = ['verify', 'export', 'head', 'cosign', 'keygen', 'help'] as const;

function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Progress on stderr, only for long jobs (over 20,000 items, or running for more than a second). */
function progress(label: string): (p: { phase: string; done: number; total: number }) => void {
  const tty = process.stderr.isTTY;
  const start = Date.now();
  let last = 0;
  return (p) => {
    const now = Date.now();
    const end = p.done >= p.total;
    if (p.total <= 20000 && now - start < 1000) return;
    if (!end && now - last < 1000) return;
    last = now;
    const line = `${label}: ${p.phase} ${p.done}${p.total ? `/${p.total}` : ''}`;
    if (tty) process.stderr.write(`\r${line}\u001b[K${end ? '\n' : ''}`);
    else err(line);
  };
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function requireLog(value: string | undefined, fallback?: LogName): LogName {
  if (value === undefined) {
    if (fallback) return fallback;
    throw new UsageError(`--log is required: one of ${LOG_NAMES.join(', ')}`);
  }
  const name = logName(value);
  if (!name) throw new UsageError(`--log ${value} is not a log: use one of ${LOG_NAMES.join(', ')}`);
  return name;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${path}: no such file (${what}). Commands are ${COMMANDS.filter((c) => c !== 'help').join(', ')}; run treaty-evidence --help` : `cannot read ${path} (${what}): ${(e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not JSON (${(e as Error).message}); expected ${what}`);
  }
}

function token(value: string | undefined): string | undefined {
  return value ?? (process.env.TREATY_TOKEN || undefined);
}

function printReport(r: Report, source: string): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`treaty-evidence: ${r.log || '(unnamed log)'} from ${source}: ${r.size} entries, root ${r.root}`);
  if (r.problems.length) {
    out(`\nPROBLEMS (${r.problems.length}):`);
    for (const p of r.problems) out(`  ✗ ${p}`);
  }
  if (r.notes.length) {
    out('\nChecked:');
    for (const n of r.notes) out(`  · ${n}`);
  }
  out(r.ok ? '\nOK: nothing wrong found.' : `\nFAILED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} found; see above for what each means.`);
}

async function cmdVerify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      log: { type: 'string' },
      token: { type: 'string' },
      head: { type: 'string', multiple: true },
      witness: { type: 'string', multiple: true },
      save: { type: 'string' },
      json: { type: 'boolean' },
      'page-size': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `verify takes one export file or URL, got ${positionals.length}: ${positionals.join(' ')}` : 'verify needs an export file or the gateway\'s GraphQL URL');
  const source = positionals[0]!;
  const witnessKeys: Record<string, string> = {};
  for (const w of values.witness ?? []) {
    const eq = w.indexOf('=');
    const name = w.slice(0, eq);
    const key = w.slice(eq + 1);
    if (eq <= 0 || !fromAnyBase64(key, 32)) throw new UsageError(`--witness ${w}: expected name=<base64 Ed25519 public key, 32 bytes> (treaty-evidence keygen prints one)`);
    witnessKeys[name] = key;
  }
  const keptHeads: unknown[] = [];
  for (const path of values.head ?? []) {
    const h = await readJson(path, 'a kept tree head (from treaty-evidence head)');
    keptHeads.push(h && typeof h === 'object' && !Array.isArray(h) ? { ...h, source: path } : h);
  }
  let exp: unknown;
  if (isUrl(source)) {
    const log = requireLog(values.log, 'milestones');
    const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000)) throw new UsageError('--page-size must be a whole number from 1 to 1000');
    err(`treaty-evidence: downloading log ${log} from ${source}`);
    exp = await downloadExport(source, log, { token: token(values.token), pageSize, onProgress: progress('download') });
    if (values.save) {
      await writeFile(values.save, `${JSON.stringify(exp, null, 1)}\n`);
      err(`treaty-evidence: saved the export to ${values.save}`);
    }
  } else {
    if (values.save) throw new UsageError('--save keeps a download; the source is already a file');
    exp = await readJson(source, 'an evidence export (treaty-evidence-export/v1)');
  }
  const report = verifyExport(exp, { keptHeads, witnessKeys, onProgress: progress('verify') });
  if (values.log !== undefined && !isUrl(source)) {
    const want = requireLog(values.log);
    if (report.log !== `treaty/${want}`) {
      report.problems.push(`the export is for log ${report.log || '(unnamed)'}, but --log asked for treaty/${want}`);
      report.ok = false;
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report, source);
  return report.ok ? 0 : 1;
}

function headFileOf(h: KeptHead): string {
  const { source: _source, ...kept } = h;
  return `${JSON.stringify(kept, null, 2)}\n`;
}

async function cmdExport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { log: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } } });
  if (positionals.length !== 1 || !isUrl(positionals[0]!)) throw new UsageError("export takes the gateway's GraphQL URL, e.g. http://localhost:4000/graphql");
  if (!values.out) throw new UsageError('--out is required: the file to write the export to');
  const log = requireLog(values.log);
  err(`treaty-evidence: downloading log ${log} from ${positionals[0]}`);
  const exp = await downloadExport(positionals[0]!, log, { token: token(values.token), onProgress: progress('download') });
  await writeFile(values.out, `${JSON.stringify(exp, null, 1)}\n`);
  err(`treaty-evidence: wrote ${exp.entries.length} entries and ${exp.treeHeads.length} signed heads of ${exp.log} to ${values.out}; check it with treaty-evidence verify ${values.out}`);
  return 0;
}

async function readKept(path: string): Promise<KeptHead> {
  const h = (await readJson(path, 'a kept tree head (from treaty-evidence head)')) as KeptHead;
  if (!h || typeof h !== 'object' || typeof h.log !== 'string' || typeof h.publicKey !== 'string' || typeof h.size !== 'number' || typeof h.rootHash !== 'string') {
    throw new UsageError(`${path} is not a kept tree head: expected { log, publicKey, size, rootHash, timestamp, signature, cosignatures }`);
  }
  return h;
}

function headLabel(h: KeptHead): string {
  return `${h.log} head of size ${h.size} (root ${h.rootHash}, signed at ${h.timestamp})`;
}

async function cmdHead(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { log: { type: 'string' }, token: { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals.length !== 1 || !isUrl(positionals[0]!)) throw new UsageError('head needs the gateway\'s GraphQL URL (http://…/graphql)');
  if (!values.out) throw new UsageError('head needs --out head.json: where to keep the head');
  const url = positionals[0]!;
  const log = requireLog(values.log);
  const tok = token(values.token);
  const head = await fetchTreeHead(url, log, { token: tok });
  if (!verifyTreeHeadSignature({ log: head.log, size: head.size, rootHash: head.rootHash, timestamp: head.timestamp }, head.signature, head.publicKey)) {
    err(`treaty-evidence: the ${headLabel(head)} does not carry a valid signature under the key the log names (${head.publicKey}); not saved.`);
    return 1;
  }
  if (existsSync(values.out)) {
    const prev = await readKept(values.out);
    const problem = await extends_(url, log, prev, head, tok);
    if (problem) {
      err(`treaty-evidence: ${problem}`);
      err(`${values.out} is left as it was. Keep it, and run treaty-evidence verify with --head ${values.out}.`);
      return 1;
    }
    err(`treaty-evidence: the new head extends the one in ${values.out} (size ${prev.size} -> ${head.size}, consistency proof checked)`);
  }
  await writeFile(values.out, headFileOf(head));
  process.stdout.write(`kept ${headLabel(head)} in ${values.out}\n`);
  return 0;
}

/** Null when `next` provably extends `prev`; otherwise what is wrong. */
async function extends_(url: string, log: LogName, prev: KeptHead, next: KeptHead, tok: string | undefined): Promise<string | null> {
  if (prev.log !== next.log) return `the kept head is for log ${prev.log}, not ${next.log}`;
  if (prev.publicKey !== next.publicKey) {
    return `the log now signs with key ${keyId(next.publicKey)}, but the kept head was signed with ${keyId(prev.publicKey)}: the log changed its key, or this is not the same log`;
  }
  if (!verifyTreeHeadSignature({ log: prev.log, size: prev.size, rootHash: prev.rootHash, timestamp: prev.timestamp }, prev.signature, prev.publicKey)) {
    return `the kept ${headLabel(prev)} has an invalid signature: the file was altered`;
  }
  if (prev.size > next.size) {
    return `the log's newest head has size ${next.size}, smaller than the kept head's ${prev.size}: the log was truncated, or it shows you a different history`;
  }
  const proof = prev.size === 0 || prev.size === next.size ? null : await fetchConsistencyProof(url, log, prev.size, next.size, { token: tok });
  return checkHeadConsistency(prev, next, proof);
}

async function cmdCosign(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { log: { type: 'string' }, token: { type: 'string' }, key: { type: 'string' }, previous: { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals.length !== 1 || !isUrl(positionals[0]!)) throw new UsageError('cosign needs the gateway\'s GraphQL URL (http://…/graphql)');
  if (!values.key) throw new UsageError('cosign needs --key witness.key (make one with treaty-evidence keygen)');
  const url = positionals[0]!;
  const log = requireLog(values.log);
  const tok = token(values.token);
  let keyText: string;
  try {
    keyText = await readFile(values.key, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the witness key ${values.key}: ${(e as Error).message}`);
  }
  let key;
  try {
    key = parseSigningKey(keyText);
  } catch (e) {
    throw new UsageError(`${values.key}: ${(e as Error).message}`);
  }
  const prev = values.previous ? await readKept(values.previous) : null;
  const head = await fetchTreeHead(url, log, { token: tok });
  const logKey = prev?.publicKey ?? head.publicKey;
  if (!verifyTreeHeadSignature({ log: head.log, size: head.size, rootHash: head.rootHash, timestamp: head.timestamp }, head.signature, logKey)) {
    err(`treaty-evidence: refusing to countersign: the ${headLabel(head)} does not carry a valid log signature under key ${keyId(logKey)}`);
    return 1;
  }
  if (head.size === 0) {
    err(`treaty-evidence: ${head.log} is empty; there is nothing to countersign yet`);
    return 1;
  }
  if (prev) {
    const problem = await extends_(url, log, prev, head, tok);
    if (problem) {
      err(`treaty-evidence: refusing to countersign: ${problem}`);
      return 1;
    }
    err(`treaty-evidence: the newest head extends the kept one (size ${prev.size} -> ${head.size}, consistency proof checked)`);
  }
  const body = { log: head.log, size: head.size, rootHash: head.rootHash, timestamp: head.timestamp };
  const signature = signCosignature(body, key);
  const pub = publicKeyRaw(key);
  const result = await submitCosignature(url, log, { treeSize: head.size, rootHash: head.rootHash, publicKey: base64(pub), signature: base64(signature) }, { token: tok });
  process.stdout.write(`countersigned ${headLabel(head)} with witness key ${keyId(pub)}; the head now has ${result.cosignatures.length} cosignature${result.cosignatures.length === 1 ? '' : 's'}\n`);
  if (values.out) {
    await writeFile(values.out, headFileOf({ log: head.log, publicKey: head.publicKey, ...result }));
    err(`treaty-evidence: kept the countersigned head in ${values.out}`);
  }
  return 0;
}

async function cmdKeygen(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, force: { type: 'boolean' } } });
  if (positionals.length) throw new UsageError(`keygen takes no arguments besides --out (got ${positionals.join(' ')})`);
  if (!values.out) throw new UsageError('keygen needs --out witness.key: where to write the private key');
  const key = generateSigningKey();
  try {
    await writeFile(values.out, serializeSigningKey(key), { mode: 0o600, flag: values.force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${values.out} already exists; not overwriting a key (pass --force to replace it)`);
    throw new UsageError(`cannot write ${values.out}: ${(e as Error).message}`);
  }
  const pub = publicKeyRaw(key);
  err(`treaty-evidence: wrote an Ed25519 private key to ${values.out} (PKCS8 PEM, mode 0600); keep it secret.`);
  err(`key id ${keyId(pub)}; give the public key below to whoever verifies your cosignatures (--witness name=<key>):`);
  process.stdout.write(`${base64(pub)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      err(USAGE);
      return 2;
    }
    if (first === 'help' || first === '--help' || first === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    switch (first) {
      case 'verify':
        return await cmdVerify(rest);
      case 'export':
        return await cmdExport(rest);
      case 'head':
        return await cmdHead(rest);
      case 'cosign':
        return await cmdCosign(rest);
      case 'keygen':
        return await cmdKeygen(rest);
      default:
        // `treaty-evidence export.json` (or a URL, or options first) is `verify`.
        return await cmdVerify(argv);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`treaty-evidence: ${e.message}`);
      err('Run treaty-evidence --help for usage.');
    } else if (e instanceof EvidenceClientError) {
      err(`treaty-evidence: ${e.message}`);
    } else if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`treaty-evidence: ${(e as Error).message}`);
      err('Run treaty-evidence --help for usage.');
    } else {
      err(`treaty-evidence: ${(e as Error)?.stack ?? String(e)}`);
    }
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
