import { BadUserInputError, ForbiddenError, PersonalDataAccess, Problems, isUuid } from '@treaty/service-kit';
import { Detainee, type DetaineeCategory } from '../entities/index.js';
import { PRIORITY_ORDER } from '../domain/priority.js';
import { partyScope, visibleTo } from '../access.js';
import type { Context } from '../context.js';

/** CHILD first, OTHER last (built from constants, never from input). */
const BY_PRIORITY = `CASE d.category ${PRIORITY_ORDER.map((c, i) => `WHEN '${c}' THEN ${i}`).join(' ')} END`;

export interface DetaineesArgs {
  agreementId: string;
  holdingPartyId?: string | null;
  category?: DetaineeCategory | null;
  first: number;
  offset: number;
}

/** A detainee the caller may see, or null for an unknown id; FORBIDDEN for another party's detainee. */
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

export const Query = {
  detainee(_: unknown, { id }: { id: string }, ctx: Context) {
    return visibleDetainee(id, ctx);
  },

  async detainees(_: unknown, args: DetaineesArgs, ctx: Context) {
    const p = new Problems();
    p.check(Number.isInteger(args.first) && args.first >= 1 && args.first <= 500, 'first', `first is ${args.first}; ask for 1 to 500 detainees per page.`);
    p.check(Number.isInteger(args.offset) && args.offset >= 0, 'offset', `offset is ${args.offset}; give 0 or more.`);
    p.throwIfAny();
    if (!isUuid(args.agreementId) || (args.holdingPartyId && !isUuid(args.holdingPartyId))) return [];
    const q = ctx.db
      .getRepository(Detainee)
      .createQueryBuilder('d')
      .where('d.agreement_id = :agreementId', { agreementId: args.agreementId })
      .orderBy(BY_PRIORITY, 'ASC')
      .addOrderBy('d.registered_at', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .offset(args.offset)
      .limit(args.first);
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

  detaineeLists(_: unknown, { agreementId }: { agreementId: string }, ctx: Context) {
    return isUuid(agreementId) ? ctx.loaders.listsOfAgreement.load(agreementId) : [];
  },

  exchangeWave(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.wave.load(id) : null;
  },

  exchangeWaves(_: unknown, { agreementId }: { agreementId: string }, ctx: Context) {
    return isUuid(agreementId) ? ctx.loaders.wavesOfAgreement.load(agreementId) : [];
  },

  async personalDataAccessLog(_: unknown, { recordId, first }: { recordId?: string | null; first: number }, ctx: Context) {
    if (!Number.isInteger(first) || first < 1 || first > 500) throw BadUserInputError.one('first', `first is ${first}; ask for 1 to 500 entries.`);
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
