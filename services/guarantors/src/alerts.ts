import { PARTNER_ROLES, type AlertInput, type AlertScan } from '@treaty/service-kit';
import type { EscrowAccount, Tranche } from './entities/index.js';
import { formatMinor } from './domain/money.js';

/**
 * What this service puts in the alert stream (DESIGN §12): `tranche.released`, in the transaction of the
 * release journal, for every partner agency (a PARTY only for its own agreements), with the amount paid
 * as a decimal string. Tranche status is derived (HELD, RELEASABLE, WITHHELD, FORFEITED) and raises
 * nothing itself: the milestone and snap-back events it follows from come from milestones.
 */
export function trancheReleased(t: Tranche, escrow: EscrowAccount, paidMinor: bigint, at: Date): AlertInput {
  return {
    key: `tranche.released:${t.id}`,
    type: 'tranche.released',
    agreementId: escrow.agreementId,
    occurredAt: at,
    recordedAt: at,
    audience: PARTNER_ROLES,
    data: {
      trancheId: t.id,
      milestoneId: t.milestoneId,
      guarantorId: t.guarantorId,
      beneficiaryPartyId: escrow.beneficiaryPartyId,
      amount: formatMinor(paidMinor, escrow.currency),
      currency: escrow.currency,
    },
  };
}

/** Guarantors raises nothing on the clock alone. */
export const guarantorsAlertScan: AlertScan = async () => [];
