import { Agreement } from './agreement.js';
import { Certification, Ruling, Waiver } from './certification.js';
import { Dispute, SnapBackClause } from './dispute.js';
import { Milestone } from './milestone.js';
import { Mutation } from './Mutation/index.js';
import { Party } from './party.js';
import { Phase } from './phase.js';
import { Query } from './query.js';

export const resolvers = { Query, Mutation, Agreement, Party, Phase, Milestone, Certification, Waiver, Ruling, Dispute, SnapBackClause };
