import DataLoader from 'dataloader';
import { BadUserInputError } from './errors.js';
import { role, type AccessRules, authenticated } from './access.js';
import type { BaseContext } from './context.js';
import { evidencePageSize, type LogEntryRef, type TreeHeadRow } from './evidence-log.js';

/**
 * The evidence log in the graph, the same in every service: its shared types (evidence.graphql, copied
 * into each service's SDL, as Federation needs), the service's field on the `EvidenceLogs` entity, and
 * its countersign mutation (`countersign<Service>Log`: root fields cannot share a name across subgraphs).
 */

/** "milestones" -> "countersignMilestonesLog". */
export const countersignMutationOf = (service: string) => `countersign${service[0]!.toUpperCase()}${service.slice(1)}Log`;

/** Who may read what of a log: heads and proofs are public (anyone can check them), entries are for partner agencies. */
export function evidenceRules(service: string): AccessRules {
  return {
    'EvidenceLog.entries': authenticated,
    'EvidenceLog.entry': authenticated,
    'EvidenceLog.unloggedFacts': authenticated,
    'EvidenceLogEntry.entry': authenticated,
    'EvidenceLogEntry.currentFact': authenticated,
    // The witnesses of §11: a party's delegation, a guarantor, the monitoring cell.
    [`Mutation.${countersignMutationOf(service)}`]: role('PARTY', 'GUARANTOR', 'MONITOR'),
  };
}

const currentFactLoaders = new WeakMap<object, DataLoader<LogEntryRef, string | null>>();

function currentFactOf(ctx: BaseContext, entry: LogEntryRef): Promise<string | null> {
  let loader = currentFactLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (entries) => {
      const found = await ctx.evidence.currentFacts(ctx.db, entries);
      return entries.map((e) => found.get(e.leafIndex) ?? null);
    }, { cacheKeyFn: (e) => e.leafIndex });
    currentFactLoaders.set(ctx, loader);
  }
  return loader.load(entry);
}

function wholeNumber(path: string, value: number, min: number, max: number, hint: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw BadUserInputError.one(path, max < min ? `cannot be served: ${hint}` : `must be a whole number from ${min} to ${max}; ${hint}`);
  }
  return value;
}

/** The size a proof is asked against: given, or the newest head's. */
async function treeSizeOf(ctx: BaseContext, treeSize: number | null | undefined, path: string, atLeast: number): Promise<number> {
  const size = await ctx.evidence.size(ctx.db);
  if (treeSize == null) return (await ctx.evidence.newestHead(ctx.db)).size;
  return wholeNumber(path, treeSize, atLeast, size, `the log holds ${size} entries.`);
}

/**
 * Per request: inclusion proofs and cosignatures batched, so that a page of a thousand entries, each
 * with its proof, or of a thousand heads, each with its witnesses, costs the same few statements as one.
 */
interface EvidenceLoaders {
  inclusion: DataLoader<{ leafIndex: number; treeSize: number | null }, Awaited<ReturnType<BaseContext['evidence']['inclusionProof']>>, string>;
  cosignatures: DataLoader<number, Awaited<ReturnType<BaseContext['evidence']['cosignatures']>>>;
}
const requestLoaders = new WeakMap<object, EvidenceLoaders>();

function loadersOf(ctx: BaseContext): EvidenceLoaders {
  let l = requestLoaders.get(ctx);
  if (l) return l;
  l = {
    inclusion: new DataLoader(
      async (asked) => {
        const size = await ctx.evidence.size(ctx.db);
        const newest = asked.some((a) => a.treeSize == null) ? (await ctx.evidence.newestHead(ctx.db)).size : size;
        // Each asked proof is checked on its own: a bad one fails only its own field.
        const checked = asked.map((a) => {
          try {
            wholeNumber('leafIndex', a.leafIndex, 0, size - 1, size === 0 ? 'the log is empty.' : `the log holds ${size} entries, #0 to #${size - 1}.`);
            const treeSize = a.treeSize == null ? newest : wholeNumber('treeSize', a.treeSize, a.leafIndex + 1, size, `the log holds ${size} entries and the proof needs one past #${a.leafIndex}.`);
            return { leafIndex: a.leafIndex, treeSize };
          } catch (e) {
            return e as Error;
          }
        });
        const valid = checked.filter((c): c is { leafIndex: number; treeSize: number } => !(c instanceof Error));
        const proofs = await ctx.evidence.inclusionProofs(ctx.db, valid);
        let i = 0;
        return checked.map((c) => (c instanceof Error ? c : proofs[i++]!));
      },
      { cacheKeyFn: (a) => `${a.leafIndex}:${a.treeSize ?? ''}` },
    ),
    cosignatures: new DataLoader(async (sizes) => {
      const all = await ctx.evidence.cosignatures(ctx.db, sizes);
      return sizes.map((size) => all.filter((c) => c.size === size));
    }),
  };
  requestLoaders.set(ctx, l);
  return l;
}

export function evidenceResolvers(service: string) {
  const headFields = {
    cosignatures: (h: TreeHeadRow, _: unknown, ctx: BaseContext) => loadersOf(ctx).cosignatures.load(h.size),
  };
  return {
    EvidenceLogs: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      [service]: () => ({}),
    },
    EvidenceLog: {
      id: (_: unknown, __: unknown, ctx: BaseContext) => ctx.evidence.log,
      publicKey: (_: unknown, __: unknown, ctx: BaseContext) => Buffer.from(ctx.evidence.publicKey).toString('base64'),
      keyId: (_: unknown, __: unknown, ctx: BaseContext) => ctx.evidence.keyId,
      size: (_: unknown, __: unknown, ctx: BaseContext) => ctx.evidence.size(ctx.db),
      treeHead: (_: unknown, { size }: { size?: number | null }, ctx: BaseContext) =>
        size == null ? ctx.evidence.newestHead(ctx.db) : ctx.evidence.head(ctx.db, wholeNumber('size', size, 0, Number.MAX_SAFE_INTEGER, 'a head size.')),
      treeHeads: (_: unknown, a: { fromSize?: number | null; first?: number | null }, ctx: BaseContext) =>
        ctx.evidence.heads(ctx.db, wholeNumber('fromSize', a.fromSize ?? 0, 0, Number.MAX_SAFE_INTEGER, 'a head size to start from.'), evidencePageSize(a.first, 'first')),
      entries: (_: unknown, a: { from?: number | null; first?: number | null }, ctx: BaseContext) =>
        ctx.evidence.entries(ctx.db, wholeNumber('from', a.from ?? 0, 0, Number.MAX_SAFE_INTEGER, 'an entry index to start from.'), evidencePageSize(a.first, 'first')),
      entry: async (_: unknown, a: { leafIndex: number }, ctx: BaseContext) =>
        (await ctx.evidence.entries(ctx.db, wholeNumber('leafIndex', a.leafIndex, 0, Number.MAX_SAFE_INTEGER, 'an entry index.'), 1)).find((e) => e.leafIndex === a.leafIndex) ?? null,
      unloggedFacts: (_: unknown, __: unknown, ctx: BaseContext) => ctx.evidence.unloggedFacts(ctx.db),
      inclusionProof: (_: unknown, a: { leafIndex: number; treeSize?: number | null }, ctx: BaseContext) => loadersOf(ctx).inclusion.load({ leafIndex: a.leafIndex, treeSize: a.treeSize ?? null }),
      consistencyProof: async (_: unknown, a: { fromSize: number; toSize?: number | null }, ctx: BaseContext) => {
        const to = await treeSizeOf(ctx, a.toSize, 'toSize', 0);
        const from = wholeNumber('fromSize', a.fromSize, 0, to, `it must not exceed toSize (${to}).`);
        return ctx.evidence.consistencyProof(ctx.db, from, to);
      },
    },
    TreeHead: headFields,
    EvidenceLogEntry: {
      currentFact: (e: LogEntryRef, _: unknown, ctx: BaseContext) => currentFactOf(ctx, e),
      inclusionProof: (e: LogEntryRef, a: { treeSize?: number | null }, ctx: BaseContext) => loadersOf(ctx).inclusion.load({ leafIndex: e.leafIndex, treeSize: a.treeSize ?? null }),
    },
  };
}

/** The countersign mutation every service lists under its own name (countersignMutationOf). */
export function countersignTreeHead(_: unknown, { input }: { input: { treeSize: number; rootHash: string; publicKey: string; signature: string } }, ctx: BaseContext) {
  return ctx.evidence.countersign(ctx.db, ctx.caller, input);
}

/** The resolver of a fact's `logEntry`: its newest entry, batched across the request. */
export function logEntryField<P>(kind: string, subjectOf: (parent: P) => string) {
  return (parent: P, _: unknown, ctx: BaseContext) => ctx.logEntries.load(`${kind}\u0000${subjectOf(parent)}`);
}
