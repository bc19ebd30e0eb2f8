import { BadUserInputError, ForbiddenError, PersonalDataAccess, Problems, isUuid } from '@treaty/service-kit';
import { Detainee } from '../entities/index.js';
import { PRIORITY_ORDER } from '../domain/priority.js';
import { isWholeNumber } from '../domain/rules.js';
import { partyScope, visibleTo } from '../access.js';
import type {
  QueryDetaineeArgs,
  QueryDetaineeListsArgs,
  QueryDetaineesArgs,
  QueryExchangeWaveArgs,
  QueryExchangeWavesArgs,
  QueryPersonalDataAccessLogArgs,
} from '../generated/graphql.js';
import type { Context } from '../context.js';

/** CHILD first, OTHER last (built from constants, never from input). */
const BY_PRIORITY = `CASE d.category ${PRIORITY_ORDER.map((c, i) => `WHEN '${c}' THEN ${i}`).join(' ')} END`;

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
    if (!isUuid(args.agreementId) || (args.holdingPartyId && !isUuid(args.holdingPartyId))) return [];
    const q = ctx.db
      .getRepository(Detainee)
      .createQueryBuilder('d')
      .where('d.agreement_id = :agreementId', { agreementId: args.agreementId })
      .orderBy(BY_PRIORITY, 'ASC')
      .addOrderBy('d.registered_at', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .offset(offset)
      .limit(first);
    if (args.holdingPartyId) q.andWhere('d.holding_party_id = :holder', { holder: args.holdingPartyId });
    if (args.category) q.andWhere('d.category = :category', { category: args.category });
    const scope = partyScope(ctx.caller);
    if (scope) {
      if (!scope.partyId) return [];
      q.andWhere('(d.holding_party_id = :party OR d.affiliated_party_id = :party)', { party: scope.partyId });
    }
    const rows = await q.getMany();
    for (const d of rows) ctx.loaders.detainee.prime(d.id, d);
    return rows;
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
