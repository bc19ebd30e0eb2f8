import { randomUUID } from 'node:crypto';
import { BadUserInputError, Problems, actor } from '@treaty/service-kit';
import { Guarantor } from '../../entities/index.js';
import { checkGuarantor } from '../../domain/rules.js';
import type { MutationRegisterGuarantorArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { onceOnly } from './shared.js';

export const guarantorMutations = {
  async registerGuarantor(_: unknown, { input }: MutationRegisterGuarantorArgs, ctx: Context) {
    const p = new Problems();
    checkGuarantor(p, input);
    p.throwIfAny();
    return onceOnly(
      () => BadUserInputError.one('input.name', `A guarantor named "${input.name.trim()}" was registered by another request a moment ago; list guarantors to find its id.`),
      () =>
        ctx.db.transaction(async (m) => {
          const name = input.name.trim();
          const clash = await m.getRepository(Guarantor).createQueryBuilder('g').where('lower(btrim(g.name)) = lower(:name)', { name }).getOne();
          if (clash) throw BadUserInputError.one('input.name', `A guarantor named "${clash.name}" is already registered (id ${clash.id}); use that id instead of registering it again.`);
          const guarantor = m.create(Guarantor, {
            id: randomUUID(),
            name,
            kind: input.kind,
            roles: input.roles,
            registeredAt: ctx.clock.now(),
            registeredBy: actor(ctx.caller),
          });
          await m.insert(Guarantor, guarantor);
          return guarantor;
        }),
      'guarantor_name_key',
    );
  },
};
