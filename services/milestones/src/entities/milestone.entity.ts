import type { DomesticStepTerms, MilestoneKind, StatementTerms } from '../domain/communications.js';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';
import { Party } from './party.entity.js';
import { Phase } from './phase.entity.js';

/** The terms of a STATEMENT or a DOMESTIC_STEP; null for an OBLIGATION. */
export type MilestoneTerms = { statement: StatementTerms } | { domesticStep: DomesticStepTerms };

/** A milestone's status is never stored: it is derived from certifications, waivers and the clock. */
@Entity({ name: 'milestone' })
@Index('milestone_agreement_due_idx', ['agreementId', 'dueDay'])
@Index('milestone_phase_idx', ['phaseId'])
@Index('milestone_party_idx', ['obligatedPartyId'])
export class Milestone {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'uuid', name: 'phase_id' })
  phaseId: string;

  @ManyToOne(() => Phase)
  @JoinColumn({ name: 'phase_id' })
  phase: Relation<Phase>;

  @Column({ type: 'text', name: 'title' })
  title: string;

  @Column({ type: 'text', name: 'description', nullable: true })
  description: string | null;

  @Column({ type: 'uuid', name: 'obligated_party_id' })
  obligatedPartyId: string;

  @ManyToOne(() => Party)
  @JoinColumn({ name: 'obligated_party_id' })
  obligatedParty: Relation<Party>;

  @Column({ type: 'integer', name: 'due_day' })
  dueDay: number;

  /** OBLIGATION, or a STATEMENT or DOMESTIC_STEP with its terms (domain/communications.ts). */
  @Column({ type: 'text', name: 'kind', default: 'OBLIGATION' })
  kind: MilestoneKind;

  @Column({ type: 'jsonb', name: 'terms', nullable: true })
  terms: MilestoneTerms | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
