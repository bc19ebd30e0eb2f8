import { describe, expect, it } from 'vitest';
import { base64, canonicalJson, fromHex, hex } from '../src/canonical.js';
import { verifyExport, type EvidenceExport, type ExportEntry } from '../src/export.js';
import { EMPTY_ROOT, consistencyProof } from '../src/merkle.js';
import { generateSigningKey, keyId, publicKeyRaw } from '../src/note.js';
import { verifyConsistency } from '../src/verify.js';
import { LOG, LOG_KEY, buildEntries, buildExport, cosign, entryTextOf, factOf, headTime, keptOf, rehash, rootOf, signedHead } from './build-export.js';
import { rng } from './helpers.js';

const N = 10;
const fresh = () => buildExport(N); // heads at 3, 6, 10
const problemsOf = (exp: unknown, opts = {}) => verifyExport(exp, opts).problems;
const entry = (exp: EvidenceExport, i: number) => exp.entries.find((e) => e.leafIndex === i)!;

describe('a genuine export', () => {
  it('verifies with no problem and says what it checked', () => {
    const exp = fresh();
    const r = verifyExport(exp);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.log).toBe(LOG);
    expect(r.size).toBe(N);
    expect(r.root).toBe(rootOf(exp.entries, N));
    const notes = r.notes.join('\n');
    expect(notes).toContain(`log ${LOG}, signed with key ${keyId(publicKeyRaw(LOG_KEY))}`);
    expect(notes).toContain('10 entries checked (#0 to #9)');
    expect(notes).toContain(`3 of 3 tree heads carry a valid log signature; the newest that matches the entries covers 10 entries (signed at ${headTime(10)})`);
    expect(notes).toContain('every fact the service listed is in the log');
  });

  it('also survives a JSON round trip (what the CLI reads)', () => {
    expect(problemsOf(JSON.parse(JSON.stringify(fresh())))).toEqual([]);
  });

  it('an empty log with a signed head of size 0 verifies', () => {
    const exp = buildExport(0, { headSizes: [0] });
    expect(exp.treeHeads[0]!.rootHash).toBe(hex(EMPTY_ROOT));
    const r = verifyExport(exp);
    expect(r.problems).toEqual([]);
    expect(r.size).toBe(0);
    expect(r.root).toBe(hex(EMPTY_ROOT));
  });

  it('entries newer than the newest head are noted, not a problem', () => {
    const exp = buildExport(8, { headSizes: [5] });
    const r = verifyExport(exp);
    expect(r.problems).toEqual([]);
    expect(r.notes).toContain('entries #5 to #7 are newer than the newest signed head: no signature covers them yet');
  });

  it('a subject logged twice is compared with its newest entry only', () => {
    const exp = fresh();
    // Entry #9 becomes a second step of c0: the record now matches #9, no longer #0.
    const e9 = entry(exp, 9);
    const later = { ...factOf(0), verifier: 'Later step' };
    e9.entry = entryTextOf(9, entry(exp, 8).leafHash, { fact: later });
    e9.subject = 'c0';
    e9.currentFact = canonicalJson(later);
    entry(exp, 0).currentFact = canonicalJson(later);
    rehash(e9);
    exp.treeHeads[2] = signedHead(exp.entries, 10);
    expect(problemsOf(exp)).toEqual([]);
  });

  it('order of the entries in the file does not matter beyond being reported', () => {
    const exp = fresh();
    [exp.entries[3], exp.entries[4]] = [exp.entries[4]!, exp.entries[3]!];
    expect(problemsOf(exp)).toEqual(['entry #3 is out of order in the export (it comes after #4): the entries were reordered']);
  });
});

describe('tampering with entries', () => {
  it('an entry whose content was edited (leaf hash left alone)', () => {
    const exp = fresh();
    const e = entry(exp, 4);
    e.entry = e.entry.replace('"agency":"Joint Monitoring Cell"', '"agency":"Somebody Else"');
    const p = problemsOf(exp);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^entry #4 \(certification c4\) does not hash to its recorded leaf hash: its content was edited after it was logged \(recorded [0-9a-f]{64}, the content hashes to [0-9a-f]{64}\)$/);
  });

  it('an entry rewritten with its leaf hash too: the chain breaks after it, and every head after it covers another history', () => {
    const exp = fresh();
    const e = entry(exp, 4);
    e.entry = e.entry.replace('"agency":"Joint Monitoring Cell"', '"agency":"Somebody Else"');
    rehash(e);
    const p = problemsOf(exp);
    expect(p).toContainEqual(expect.stringMatching(/^entry #5 does not follow #4: entries were removed, inserted or reordered here/));
    expect(p).toContainEqual(
      `tree head of size 6 signed at ${headTime(6)} covers a different history: entries before #6 were changed, reordered or replaced (it signs root ${rootOf(buildEntries(N), 6)}; the export's first 6 entries give ${rootOf(exp.entries, 6)})`,
    );
    expect(p).toContainEqual(expect.stringMatching(new RegExp(`^tree head of size 10 signed at ${headTime(10)} covers a different history: entries before #10 were changed`)));
    expect(p.join('\n')).not.toMatch(/size 3 signed/);
    expect(p).toHaveLength(3);
  });

  it('a leaf hash edited', () => {
    const exp = fresh();
    entry(exp, 7).leafHash = '00'.repeat(32);
    const p = problemsOf(exp);
    expect(p).toContainEqual(expect.stringMatching(/^entry #7 \(certification c7\) does not hash to its recorded leaf hash: its content was edited after it was logged/));
    expect(p).toContainEqual(expect.stringMatching(/^entry #8 does not follow #7: entries were removed, inserted or reordered here \(#8 names [0-9a-f]{64} as the entry before it; #7 has leaf hash 0{64}\)$/));
    expect(p).toContainEqual(expect.stringMatching(/^tree head of size 10 signed at .* covers a different history: entries before #10/));
    expect(p).toHaveLength(3);
  });

  it('a leaf hash that is not hex at all', () => {
    const exp = fresh();
    entry(exp, 2).leafHash = 'nope';
    expect(problemsOf(exp)).toEqual(['entry #2 (ruling r2) has no valid leafHash (found "nope"; expected 64 hex characters)']);
  });

  it('an entry deleted', () => {
    const exp = fresh();
    exp.entries.splice(4, 1);
    const p = problemsOf(exp);
    expect(p).toContain('entry #4 is missing (the export jumps from #3 to #5): entries were deleted');
    expect(p).toContain(`tree head of size 6 signed at ${headTime(6)} cannot be checked: entry #4 is missing`);
    expect(p).toContain(`tree head of size 10 signed at ${headTime(10)} cannot be checked: entry #4 is missing`);
    expect(p).toHaveLength(3);
    expect(verifyExport(exp).size).toBe(4);
  });

  it('several entries deleted, and the first one', () => {
    const exp = fresh();
    exp.entries = exp.entries.filter((e) => ![0, 5, 6, 7].includes(e.leafIndex));
    const p = problemsOf(exp);
    expect(p).toContain('entry #0 is missing (the export starts at #1): entries were deleted');
    expect(p).toContain('entries #5 to #7 are missing (the export jumps from #4 to #8): entries were deleted');
  });

  it('two entries swapped in the log (contents exchanged, indices kept), as an administrator would', () => {
    const exp = fresh();
    const [a, b] = [entry(exp, 3), entry(exp, 4)];
    [a.entry, b.entry, a.kind, b.kind, a.subject, b.subject] = [b.entry, a.entry, b.kind, a.kind, b.subject, a.subject];
    const p = problemsOf(exp);
    expect(p).toContainEqual(expect.stringMatching(/^entry #3 \(certification c4\) does not hash to its recorded leaf hash/));
    expect(p).toContainEqual(expect.stringMatching(/^entry #4 \(certification c3\) does not hash to its recorded leaf hash/));
    expect(p).toContain('entry #3 (certification c4) records index 4: it was moved from position #4 (entries were reordered or renumbered)');
    expect(p).toContain('entry #4 (certification c3) records index 3: it was moved from position #3 (entries were reordered or renumbered)');
    expect(p).toContainEqual(expect.stringMatching(/^entry #3 does not follow #2: entries were removed, inserted or reordered here/));
  });

  it('two entries swapped with their leaf hashes: the chain and the signed heads name it', () => {
    const exp = fresh();
    const [a, b] = [entry(exp, 3), entry(exp, 4)];
    [a.entry, b.entry, a.leafHash, b.leafHash] = [b.entry, a.entry, b.leafHash, a.leafHash];
    const p = problemsOf(exp);
    expect(p).toContainEqual(expect.stringMatching(/^entry #3 does not follow #2: entries were removed, inserted or reordered here/));
    expect(p).toContainEqual(expect.stringMatching(/^entry #4 does not follow #3/));
    expect(p).toContainEqual(expect.stringMatching(/^entry #5 does not follow #4/));
    expect(p).toContainEqual(expect.stringMatching(/^tree head of size 6 signed at .* covers a different history: entries before #6 were changed, reordered or replaced/));
  });

  it('an entry copied in from another log, and one naming the wrong index', () => {
    const exp = fresh();
    const e = entry(exp, 2);
    e.entry = entryTextOf(2, entry(exp, 1).leafHash, { log: 'treaty/prisoners' });
    rehash(e);
    const p = problemsOf(exp);
    expect(p).toContain('entry #2 (ruling r2) belongs to log "treaty/prisoners", not "treaty/milestones": it was copied in from another log');
    const exp2 = fresh();
    entry(exp2, 0).entry = entry(exp2, 0).entry.replace('"prev":""', `"prev":"${'ab'.repeat(32)}"`);
    rehash(entry(exp2, 0));
    expect(problemsOf(exp2)).toContain(`entry #0 names a previous entry (prev "${'ab'.repeat(32)}"), but a log's first entry has none: entries before it were removed`);
  });

  it('a duplicate entry', () => {
    const exp = fresh();
    exp.entries.splice(5, 0, structuredClone(entry(exp, 4)));
    expect(problemsOf(exp)).toEqual(['entry #4 appears twice in the export (entries[4] and entries[5]): only the first is checked; a log has one entry per index']);
  });

  it('an entry whose listing was relabelled', () => {
    const exp = fresh();
    entry(exp, 1).kind = 'ruling';
    entry(exp, 1).recordedAt = '2020-01-01T00:00:00.000Z';
    const p = problemsOf(exp);
    expect(p).toContain('entry #1 (ruling c1) is listed as kind "ruling" but its logged kind is "certification": the listing was altered');
    expect(p).toContain(`entry #1 (ruling c1) is listed as recorded at 2020-01-01T00:00:00.000Z but its entry says ${new Date(Date.parse('2026-06-15T09:31:00.000Z')).toISOString()}: the listing was altered`);
  });
});

describe('truncation and forks', () => {
  it('a log truncated below its newest head', () => {
    const exp = fresh();
    exp.entries = exp.entries.slice(0, 8);
    expect(problemsOf(exp)).toEqual([`tree head of size 10 signed at ${headTime(10)}: the log was truncated: this head covers 10 entries, but the export holds only 8 (entries #8 to #9 are gone)`]);
  });

  it('a log truncated and its heads removed: the kept head names it', () => {
    const full = fresh();
    const kept = keptOf(full, full.treeHeads[2]!);
    const exp = fresh();
    exp.entries = exp.entries.slice(0, 7);
    exp.treeHeads = exp.treeHeads.slice(0, 2);
    const p = problemsOf(exp, { keptHeads: [kept] });
    expect(p).toEqual([`the kept tree head of size 10 signed at ${headTime(10)}: the log was truncated: this head covers 10 entries, but the export holds only 7 (entries the log signed before are gone, or this export is older than the kept head)`]);
    // The shape the e2e test looks for: "truncated", then both numbers.
    expect(p.join('\n')).toMatch(/truncated.*10.*7/s);
  });

  it('a kept head of the same history is consistent, proved with a consistency proof', () => {
    const exp = fresh();
    const older = buildExport(5); // the same log when it held 5 entries
    const kept = keptOf(older, older.treeHeads.at(-1)!);
    const r = verifyExport(exp, { keptHeads: [kept, keptOf(exp, exp.treeHeads[2]!)] });
    expect(r.problems).toEqual([]);
    expect(r.notes).toContain(`the kept tree head of size 5 signed at ${headTime(5)} is consistent with the log's tree head of size 10 signed at ${headTime(10)} (consistency proof from size 5 to 10 checked)`);
    expect(r.notes).toContain(`the kept tree head of size 10 signed at ${headTime(10)} is consistent with the log's tree head of size 10 signed at ${headTime(10)} (consistency proof from size 10 to 10 checked)`);
    expect(r.notes).toContain('2 kept tree heads checked against the export');
  });

  it('FORKED HISTORY: a kept head of the same size with another root', () => {
    const exp = fresh();
    const other = buildExport(N, { salt: '-rewritten' }); // the same log key, another history
    const kept = keptOf(other, { ...other.treeHeads[2]!, timestamp: other.treeHeads[2]!.timestamp });
    const p = problemsOf(exp, { keptHeads: [kept] });
    expect(p).toEqual([
      `FORKED HISTORY: the log signed two different trees of size 10: root ${exp.treeHeads[2]!.rootHash} at ${headTime(10)} (in the export) and root ${kept.rootHash} at ${kept.timestamp} (in kept head #1). ` +
        'Both signatures are valid, so the log has shown two different histories; keep both heads as evidence',
    ]);
  });

  it('FORKED HISTORY: a kept head of a smaller size not consistent with the newest head', () => {
    const exp = fresh();
    const other = buildExport(5, { salt: '-fork' });
    const kept = { ...keptOf(other, other.treeHeads.at(-1)!), source: 'kept-5.json' };
    const p = problemsOf(exp, { keptHeads: [kept] });
    expect(p).toEqual([
      `FORKED HISTORY: the kept tree head of size 5 signed at ${headTime(5)} (kept-5.json) (root ${kept.rootHash}) is not consistent with the log's tree head of size 10 signed at ${headTime(10)} (root ${exp.treeHeads[2]!.rootHash}): ` +
        'the log signed both, so it has rewritten a history it signed before (entries before #5 differ; the consistency proof fails)',
    ]);
    // The proof the verifier relies on, directly: the genuine history's proof from 5 to 10 fails for the forked root.
    const leaves = exp.entries.map((e) => fromHex(e.leafHash)!);
    const lookup = (n: { level: number; index: number }) => fromHex(rootOf(exp.entries.slice(n.index * 2 ** n.level), 2 ** n.level))!;
    const proof = consistencyProof(5, 10, lookup);
    expect(leaves).toHaveLength(10);
    expect(verifyConsistency(5, 10, proof, fromHex(rootOf(exp.entries, 5))!, fromHex(exp.treeHeads[2]!.rootHash)!)).toBe(true);
    expect(verifyConsistency(5, 10, proof, fromHex(kept.rootHash)!, fromHex(exp.treeHeads[2]!.rootHash)!)).toBe(false);
  });

  it('FORKED HISTORY between two heads inside one export', () => {
    const exp = fresh();
    const other = buildExport(N, { salt: '-x' });
    exp.treeHeads.push(other.treeHeads[1]!); // a validly signed head of size 6 from another history
    const p = problemsOf(exp);
    expect(p).toContainEqual(expect.stringMatching(/^FORKED HISTORY: the log signed two different trees of size 6: root [0-9a-f]{64} at .* \(in the export\) and root [0-9a-f]{64} at .* \(in the export\)/));
    expect(p).toContainEqual(expect.stringMatching(/^tree head of size 6 signed at .* covers a different history/));
  });

  it('kept heads that cannot vouch: another log, another key, a bad signature, newer than a gap', () => {
    const exp = fresh();
    const good = keptOf(exp, exp.treeHeads[1]!);
    const otherKey = generateSigningKey();
    const foreign = keptOf(buildExport(N, { key: otherKey }), buildExport(N, { key: otherKey }).treeHeads[1]!);
    const p = problemsOf(exp, {
      keptHeads: [{ ...good, log: 'treaty/prisoners' }, foreign, { ...good, timestamp: '2026-06-15T09:36:31.000Z' }, { junk: true }, null],
    });
    expect(p).toContain(`the kept tree head of size 6 signed at ${headTime(6)} is for log "treaty/prisoners", not "treaty/milestones": it cannot vouch for this export`);
    expect(p).toContain(
      `the kept tree head of size 6 signed at ${headTime(6)} was signed with key ${keyId(publicKeyRaw(otherKey))}, but this export's log key is ${keyId(publicKeyRaw(LOG_KEY))}: the log changed its key, or this export is not from the same log`,
    );
    expect(p).toContain(`the kept tree head of size 6 signed at 2026-06-15T09:36:31.000Z has an invalid signature: the kept file was altered, or it is not from this log's key (${keyId(publicKeyRaw(LOG_KEY))})`);
    expect(p).toContain('kept head #4 is malformed (size nothing, rootHash nothing, timestamp nothing): it cannot be checked');
    expect(p).toContain('kept head #5 is not a tree head (found null)');
    expect(p).toHaveLength(5);
  });
});

describe('signatures on heads', () => {
  it('a head altered after signing', () => {
    const exp = fresh();
    exp.treeHeads[1]!.timestamp = '2026-06-15T10:00:00.000Z';
    expect(problemsOf(exp)).toEqual([
      `tree head of size 6 signed at 2026-06-15T10:00:00.000Z has an invalid log signature: it was not signed with this log's key (${keyId(publicKeyRaw(LOG_KEY))}), or it was altered after signing`,
    ]);
  });

  it('a head signed by another key than the export names', () => {
    const exp = fresh();
    exp.treeHeads[0] = signedHead(exp.entries, 3, { key: generateSigningKey() });
    expect(problemsOf(exp)).toEqual([expect.stringMatching(/^tree head of size 3 signed at .* has an invalid log signature/)]);
  });

  it('no head at all', () => {
    const exp = fresh();
    exp.treeHeads = [];
    expect(problemsOf(exp)).toEqual(['the export holds no signed tree head: nothing shows these entries came from the log']);
  });

  it('a public key that is not one', () => {
    const exp = fresh();
    exp.publicKey = 'AAAA';
    expect(problemsOf(exp)).toEqual(['the export\'s publicKey ("AAAA") is not a base64 Ed25519 public key of 32 bytes: no tree head signature can be checked']);
  });
});

describe('cosignatures', () => {
  const fund = generateSigningKey();
  const cell = generateSigningKey();
  const stranger = generateSigningKey();
  const witnessKeys = { 'Fund of Orsova': base64(publicKeyRaw(fund)), 'Joint Monitoring Cell': base64(publicKeyRaw(cell)) };

  it('valid ones from trusted witnesses are named; unknown keys are noted as such', () => {
    const exp = fresh();
    const h = exp.treeHeads[2]!;
    h.cosignatures.push(cosign(h, 'Fund of Orsova', fund), cosign(h, 'Someone', stranger));
    const r = verifyExport(exp, { witnessKeys });
    expect(r.problems).toEqual([]);
    expect(r.notes).toContain(`tree head of size 10 signed at ${headTime(10)} is countersigned by trusted witness Fund of Orsova, key ${keyId(publicKeyRaw(fund))}`);
    expect(r.notes).toContain(
      `tree head of size 10 signed at ${headTime(10)} is countersigned by Someone (key ${keyId(publicKeyRaw(stranger))}), which is not among the trusted witness keys: the signature is valid, but nothing here says whose key it is`,
    );
    expect(r.notes).toContain('2 valid cosignatures; trusted witnesses that countersigned: Fund of Orsova (up to size 10)');
    expect(r.notes).toContain('trusted witness Joint Monitoring Cell countersigned none of these heads');
  });

  it('a witness claiming another name is named by its key', () => {
    const exp = fresh();
    const h = exp.treeHeads[1]!;
    h.cosignatures.push(cosign(h, 'Fund of Orsova', cell));
    const r = verifyExport(exp, { witnessKeys });
    expect(r.notes).toContain(`tree head of size 6 signed at ${headTime(6)} is countersigned by trusted witness Joint Monitoring Cell (listed as Fund of Orsova), key ${keyId(publicKeyRaw(cell))}`);
  });

  it('an invalid cosignature is a problem', () => {
    const exp = fresh();
    const [h6, h10] = [exp.treeHeads[1]!, exp.treeHeads[2]!];
    h10.cosignatures.push({ ...cosign(h6, 'Fund of Orsova', fund) }); // signed another head
    const r = verifyExport(exp, { witnessKeys });
    expect(r.problems).toEqual([
      `cosignature by Fund of Orsova (key ${keyId(publicKeyRaw(fund))}) on tree head of size 10 signed at ${headTime(10)} is invalid: that witness did not countersign this head, or the head or the cosignature was altered`,
    ]);
  });

  it('malformed cosignatures, a wrong keyId, and an unusable trusted key', () => {
    const exp = fresh();
    const h = exp.treeHeads[0]!;
    h.cosignatures.push({ ...cosign(h, 'Fund of Orsova', fund), keyId: '0000000000000000' }, { witness: 'X', publicKey: 'nope' } as never, 7 as never);
    const p = problemsOf(exp, { witnessKeys: { ...witnessKeys, Broken: 'zzz' } });
    expect(p).toContain('the trusted key given for witness Broken ("zzz") is not a base64 Ed25519 public key of 32 bytes');
    expect(p).toContain(`cosignature by Fund of Orsova on tree head of size 3 signed at ${headTime(3)} gives keyId "0000000000000000", but its public key's id is ${keyId(publicKeyRaw(fund))}: the cosignature was altered`);
    expect(p).toContain(`cosignature by X on tree head of size 3 signed at ${headTime(3)} is malformed (publicKey "nope"): it cannot be checked`);
    expect(p).toContain(`cosignature #3 on tree head of size 3 signed at ${headTime(3)} is malformed (found 7)`);
  });

  it('cosignatures on kept heads are checked too', () => {
    const exp = fresh();
    const kept = keptOf(exp, exp.treeHeads[1]!);
    kept.cosignatures.push(cosign(kept, 'Joint Monitoring Cell', cell));
    const r = verifyExport(exp, { keptHeads: [kept], witnessKeys });
    expect(r.problems).toEqual([]);
    expect(r.notes).toContain(`the kept tree head of size 6 signed at ${headTime(6)} is countersigned by trusted witness Joint Monitoring Cell, key ${keyId(publicKeyRaw(cell))}`);
  });
});

describe('facts held now', () => {
  it('a fact changed in the service, by field', () => {
    const exp = fresh();
    entry(exp, 4).currentFact = canonicalJson({ ...factOf(4), verifier: 'Someone Else', note: 'added' });
    expect(problemsOf(exp)).toEqual([
      'certification c4 as stored now differs from log entry #4: note logged (absent), now "added"',
      'certification c4 as stored now differs from log entry #4: verifier logged "V4", now "Someone Else"',
    ]);
  });

  it('a field removed, a nested change', () => {
    const exp = fresh();
    const { amount: _amount, ...rest } = factOf(5) as { amount: number };
    entry(exp, 5).currentFact = canonicalJson({ ...rest, evidence: ['sha256:5', 'sha256:forged'] });
    expect(problemsOf(exp)).toEqual([
      'ruling r5 as stored now differs from log entry #5: amount logged 500, now (absent)',
      'ruling r5 as stored now differs from log entry #5: evidence logged ["sha256:5"], now ["sha256:5","sha256:forged"]',
    ]);
  });

  it('a fact deleted from the service', () => {
    const exp = fresh();
    entry(exp, 4).currentFact = null;
    expect(problemsOf(exp)).toEqual(['entry #4 records certification c4, which the service no longer holds: it was deleted']);
  });

  it('a fact written without an entry', () => {
    const exp = fresh();
    exp.unloggedFacts.push({ kind: 'certification', subject: 'c99' });
    const r = verifyExport(exp);
    expect(r.problems).toEqual(['certification c99 exists but is not in the log: it was written without an evidence entry']);
    expect(r.notes).toContain('1 fact is held without a log entry');
  });

  it('currentFact missing or not JSON', () => {
    const exp = fresh();
    delete (entry(exp, 1) as Partial<ExportEntry>).currentFact;
    entry(exp, 2).currentFact = '{oops';
    const p = problemsOf(exp);
    expect(p).toContain('entry #1 (certification c1) has no currentFact: the export does not say whether the service still holds certification c1');
    expect(p).toContain('the current ruling r2 (for entry #2) is not valid JSON: "{oops"');
  });
});

describe('malformed exports: problems, never a throw', () => {
  it('not an export at all', () => {
    for (const bad of [null, undefined, 0, 'x', [], true]) {
      const r = verifyExport(bad);
      expect(r.ok).toBe(false);
      expect(r.problems).toEqual(['the file is not an evidence export: expected a JSON object with "format": "treaty-evidence-export/v1"']);
    }
    const r = verifyExport({});
    expect(r.ok).toBe(false);
    expect(r.problems).toContain('format is nothing, not "treaty-evidence-export/v1": this is not an evidence export, or one this verifier does not know');
    expect(r.problems).toContain('the export has no "entries" list (found nothing): no entry can be checked');
  });

  it('junk entries and heads', () => {
    const exp = fresh() as unknown as Record<string, unknown[]>;
    exp.entries!.push(null, 5, { leafIndex: -1 }, { leafIndex: 1e300 }, { leafIndex: 10 }, { leafIndex: 11, entry: 42, leafHash: 'zz' });
    exp.treeHeads!.push(null, { size: 'x', rootHash: 'y' }, { size: 3, rootHash: '00'.repeat(32), timestamp: 'now', signature: '!!' });
    const r = verifyExport(exp);
    expect(r.ok).toBe(false);
    expect(r.problems).toContain('entries[10] is not an entry (found null; expected an object with leafIndex, entry and leafHash)');
    expect(r.problems).toContain('entries[12] has no valid leafIndex (found -1): it cannot be placed in the log');
    expect(r.problems).toContain('entry #10 (? ?) has no entry text (found nothing): its content is missing');
    expect(r.problems).toContain('entry #10 (? ?) has neither content nor a leaf hash: it counts as missing');
    expect(r.problems).toContain('entry #11 (? ?) has no entry text (found 42): its content is missing');
    expect(r.problems).toContain('entry #11 (? ?) has neither content nor a leaf hash: it counts as missing');
    expect(r.problems).toContain('treeHeads[4] is malformed (size "x", rootHash "y", timestamp nothing): it cannot be checked');
    expect(r.problems).toContain('tree head of size 3 signed at now has no valid signature (expected 64 bytes in base64): nothing shows the log signed it');
  });

  it('random corruption of a valid export never throws', () => {
    const r = rng(42);
    const junk: unknown[] = [null, undefined, 0, -1, 1.5, 1e300, '', 'x', '00'.repeat(32), [], {}, [null], { a: 1 }, true, 'AAAA', NaN];
    const paths = (o: unknown, p: string[] = []): string[][] =>
      o && typeof o === 'object' ? Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => [[...p, k], ...paths(v, [...p, k])]) : [];
    const base = fresh();
    base.treeHeads[2]!.cosignatures.push(cosign(base.treeHeads[2]!, 'W', generateSigningKey()));
    const all = paths(base);
    for (let i = 0; i < 400; i++) {
      const exp = structuredClone(base) as unknown as Record<string, unknown>;
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
        const path = all[Math.floor(r() * all.length)]!;
        let o = exp as Record<string, unknown>;
        for (const seg of path.slice(0, -1)) o = (o?.[seg] ?? {}) as Record<string, unknown>;
        if (o && typeof o === 'object') o[path.at(-1)!] = junk[Math.floor(r() * junk.length)];
      }
      const kept = r() < 0.5 ? [structuredClone(base.treeHeads[1]) as unknown] : [junk[Math.floor(r() * junk.length)]];
      let report: ReturnType<typeof verifyExport> | undefined;
      expect(() => {
        report = verifyExport(exp, { keptHeads: kept, witnessKeys: { W: 'AAAA' } });
      }).not.toThrow();
      expect(typeof report!.ok).toBe('boolean');
      expect(report!.problems.every((p) => typeof p === 'string' && p.length > 0)).toBe(true);
    }
  });
});

describe('a large export', () => {
  it('verifies 30,000 entries quickly, with progress, and proves kept heads against them', () => {
    const exp = buildExport(30_000, { headSizes: [1, 4096, 12_345, 30_000] });
    const older = keptOf(exp, signedHead(exp.entries, 17_000));
    const seen: string[] = [];
    const t = Date.now();
    const r = verifyExport(exp, { keptHeads: [older], onProgress: (p) => seen.push(p.phase) });
    expect(r.problems).toEqual([]);
    expect(r.size).toBe(30_000);
    expect(r.notes).toContain(`the kept tree head of size 17000 signed at ${headTime(17_000)} is consistent with the log's tree head of size 30000 signed at ${headTime(30_000)} (consistency proof from size 17000 to 30000 checked)`);
    expect(seen).toContain('entries');
    expect(seen).toContain('heads');
    expect(Date.now() - t).toBeLessThan(15_000);
    // A single edited byte deep inside is still found, by index.
    const e = exp.entries[23_456]!;
    e.entry = e.entry.replace('"amount":', '"amount":1');
    expect(problemsOf(exp)).toContainEqual(expect.stringMatching(/^entry #23456 \(ruling r23456\) does not hash to its recorded leaf hash/));
  });
});
