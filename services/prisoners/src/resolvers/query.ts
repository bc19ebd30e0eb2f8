import { BadUserInputError, ForbiddenError, PersonalDataAccess, Problems, decodeCursor, encodeCursor, isUuid, pageSize } from '@treaty/service-kit';
import { DETAINEE_CATEGORIES, Detainee } from '../entities/index.js';
import { isWholeNumber } from '../domain/rules.js';
import { partyScope, visibleTo } from '../access.js';
import type {
  QueryDetaineeArgs,
  QueryDetaineeListsArgs,
  QueryDetaineesArgs,
  QueryDetaineesPageArgs,
  QueryExchangeWaveArgs,
  QueryExchangeWavesArgs,
  QueryPersonalDataAccessLogArgs,
  QueryPersonalDataAccessLogPageArgs,
} from '../generated/graphql.js';
import type { Context } from '../context.js';

/** CHILD first, OTHER last, then REMAINS (built from constants, never from input). */
const BY_PRIORITY = `CASE d.category ${DETAINEE_CATEGORIES.map((c, i) => `WHEN '${c}' THEN ${i}`).join(' ')} END`;

/**
 * The detainee an entry the caller can already see points to; FORBIDDEN for another party's detainee
 * (the entry itself shows it exists, so saying so reveals nothing more).
 */
export async function visibleDetainee(id: string, ctx: Context): Promise<Detainee | null> {
  const d = isUuid(id) ? await ctx.loaders.detainee.load(id) : null;
  if (d && !visibleTo(ctx.caller, d)) {
    throw new ForbiddenError(
      `Detainee ${d.id} is neither held by nor belongs to your party; a PARTY caller sees only its own party's detainees.`,
      { detaineeId: d.id },
    );
  }
  return d;
}

/**
 * A detainee by id for a root query or a reference: null both when there is none and when the caller may
 * not see it, so that a PARTY cannot learn by probing ids which detainees exist (FORBIDDEN for one and
 * null for the other would tell it).
 */
export async function detaineeOrNull(id: string, ctx: Context): Promise<Detainee | null> {
  const d = isUuid(id) ? await ctx.loaders.detainee.load(id) : null;
  return d && visibleTo(ctx.caller, d) ? d : null;
}

/**
 * The detainees `detainees` and `detaineesPage` list, in their order (priority, registration, id), with
 * their filters and the caller's party scope; null when the answer is empty whatever the page. Without
 * a category, living detainees only.
 */
function detaineesQuery(args: { agreementId: string; holdingPartyId?: string | null; category?: string | null }, ctx: Context) {
  if (!isUuid(args.agreementId) || (args.holdingPartyId && !isUuid(args.holdingPartyId))) return null;
  const q = ctx.db
    .getRepository(Detainee)
    .createQueryBuilder('d')
    .where('d.agreement_id = :agreementId', { agreementId: args.agreementId })
    .orderBy(BY_PRIORITY, 'ASC')
    .addOrderBy('d.registered_at', 'ASC')
    .addOrderBy('d.id', 'ASC');
  if (args.holdingPartyId) q.andWhere('d.holding_party_id = :holder', { holder: args.holdingPartyId });
  // Remains are listed only when asked for: a list of detainees is of the living.
  if (args.category) q.andWhere('d.category = :category', { category: args.category });
  else q.andWhere(`d.category <> 'REMAINS'`);
  const scope = partyScope(ctx.caller);
  if (scope) {
    if (!scope.partyId) return null;
    q.andWhere('(d.holding_party_id = :party OR d.affiliated_party_id = :party)', { party: scope.partyId });
  }
  return q;
}

export const Query = {
  detainee(_: unknown, { id }: QueryDetaineeArgs, ctx: Context) {
    return detaineeOrNull(id, ctx);
  },

  async detainees(_: unknown, args: QueryDetaineesArgs, ctx: Context) {
    const p = new Problems();
    p.check(isWholeNumber(args.first, 1, 500), 'first', `first is ${args.first}; ask for 1 to 500 detainees per page.`);
    p.check(isWholeNumber(args.offset, 0), 'offset', `offset is ${args.offset}; give 0 or more.`);
    p.throwIfAny();
    // Both have SDL defaults; an explicit null is refused just above.
    const [first, offset] = [args.first as number, args.offset as number];
    const q = detaineesQuery(args, ctx);
    if (!q) return [];
    const rows = await q.offset(offset).limit(first).getMany();
    for (const d of rows) ctx.loaders.detainee.prime(d.id, d);
    return rows;
  },

  /**
   * Keyset pages in SQL, in the order of `detainees` (priority, registration, id), with its filters and
   * its party scope. The cursor holds the last detainee's priority rank, registration time in
   * microseconds (the database's own precision) and id.
   */
  async detaineesPage(_: unknown, args: QueryDetaineesPageArgs, ctx: Context) {
    const size = pageSize(args.first);
    const after = args.after == null ? null : decodeCursor(args.after, ['int4', 'epochUs', 'uuid']);
    const empty = { nodes: [], pageInfo: { endCursor: args.after ?? null, hasNextPage: false } };
    const q = detaineesQuery(args, ctx);
    if (!q) return empty;
    q.addSelect(`${BY_PRIORITY}`, 'rank').addSelect(`(extract(epoch from d.registered_at) * 1000000)::bigint`, 'registered_us').limit(size + 1);
    if (after) {
      q.andWhere(`(${BY_PRIORITY}, d.registered_at, d.id) > (:rank, timestamptz 'epoch' + (:us || ' microseconds')::interval, :id)`, { rank: after[0], us: String(after[1]), id: after[2] });
    }
    const { entities, raw } = await q.getRawAndEntities();
    for (const d of entities) ctx.loaders.detainee.prime(d.id, d);
    const nodes = entities.slice(0, size);
    const lastRaw = raw[nodes.length - 1] as { rank: number; registered_us: string } | undefined;
    return {
      nodes,
      pageInfo: { endCursor: lastRaw ? encodeCursor([Number(lastRaw.rank), Number(lastRaw.registered_us), nodes.at(-1)!.id]) : (args.after ?? null), hasNextPage: entities.length > size },
    };
  },

  detaineeLists(_: unknown, { agreementId }: QueryDetaineeListsArgs, ctx: Context) {
    return isUuid(agreementId) ? ctx.loaders.listsOfAgreement.load(agreementId) : [];
  },

  exchangeWave(_: unknown, { id }: QueryExchangeWaveArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.wave.load(id) : null;
  },

  exchangeWaves(_: unknown, { agreementId }: QueryExchangeWavesArgs, ctx: Context) {
    return isUuid(agreementId) ? ctx.loaders.wavesOfAgreement.load(agreementId) : [];
  },

  /** Keyset pages in SQL, newest first; the cursor holds the entry's time in microseconds and its id. */
  async personalDataAccessLogPage(_: unknown, args: QueryPersonalDataAccessLogPageArgs, ctx: Context) {
    const size = pageSize(args.first);
    const after = args.after == null ? null : decodeCursor(args.after, ['epochUs', 'uuid']);
    if (args.recordId != null && !isUuid(args.recordId)) {
      throw BadUserInputError.one('recordId', `recordId "${args.recordId}" is not an id; give a detainee's or manifest entry's id, or omit it for every record.`);
    }
    const q = ctx.db
      .getRepository(PersonalDataAccess)
      .createQueryBuilder('a')
      .addSelect(`(extract(epoch from a.at) * 1000000)::bigint`, 'at_us')
      .orderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'ASC')
      .limit(size + 1);
    if (args.recordId) q.andWhere('a.record_id = :recordId', { recordId: args.recordId });
    if (after) {
      const at = `timestamptz 'epoch' + (:us || ' microseconds')::interval`;
      q.andWhere(`(a.at < ${at} OR (a.at = ${at} AND a.id > :id))`, { us: String(after[0]), id: after[1] });
    }
    const { entities, raw } = await q.getRawAndEntities();
    const nodes = entities.slice(0, size);
    const lastRaw = raw[nodes.length - 1] as { at_us: string } | undefined;
    return { nodes, pageInfo: { endCursor: lastRaw ? encodeCursor([Number(lastRaw.at_us), nodes.at(-1)!.id]) : (args.after ?? null), hasNextPage: entities.length > size } };
  },

  async personalDataAccessLog(_: unknown, { recordId, first }: QueryPersonalDataAccessLogArgs, ctx: Context) {
    if (!isWholeNumber(first, 1, 500)) throw BadUserInputError.one('first', `first is ${first}; ask for 1 to 500 entries.`);
    if (recordId !== undefined && recordId !== null && !isUuid(recordId)) {
      throw BadUserInputError.one('recordId', `recordId "${recordId}" is not an id; give a detainee's or manifest entry's id, or omit it for every record.`);
    }
    return ctx.db.getRepository(PersonalDataAccess).find({
      where: recordId ? { recordId } : {},
      order: { at: 'DESC', id: 'ASC' },
      take: first,
    });
  },
};
