import { Commitment } from './commitment.entity.js';
import { EscrowAccount } from './escrow-account.entity.js';
import { Guarantor } from './guarantor.entity.js';
import { LedgerAccount } from './ledger-account.entity.js';
import { LedgerEntry } from './ledger-entry.entity.js';
import { LedgerJournal } from './ledger-journal.entity.js';
import { PenaltySchedule } from './penalty-schedule.entity.js';
import { Tranche } from './tranche.entity.js';
import { TrancheApproval } from './tranche-approval.entity.js';

export { Commitment, EscrowAccount, Guarantor, LedgerAccount, LedgerEntry, LedgerJournal, PenaltySchedule, Tranche, TrancheApproval };
export * from './ledger-account.entity.js';
export * from './ledger-journal.entity.js';

/** Listed explicitly (never globbed) so the data source works the same from src and dist. */
export const entities = [Guarantor, Commitment, EscrowAccount, LedgerAccount, LedgerJournal, LedgerEntry, Tranche, TrancheApproval, PenaltySchedule];
