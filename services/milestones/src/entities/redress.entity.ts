import { Column, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';
import type { EvidenceRef } from './certification.entity.js';
import { Dispute } from './dispute.entity.js';
import { Party } from './party.entity.js';

export const REDRESS_BASES = ['INCIDENT', 'RULING'] as const;
export type RedressBasis = (typeof REDRESS_BASES)[number];

/**
 * A remedy owed for a validated violation: a VERIFIED incident (corridors) or a ruling that confirmed a
 * breach. Its status is derived from its delivery and the clock (domain/redress.ts), never stored.
 */
@Entity({ name: 'redress_case' })
@Index('redress_case_agreement_idx', ['agreementId', 'openedAt'])
@Index('redress_case_incident_idx', ['incidentId'])
@Index('redress_case_dispute_idx', ['disputeId'])
export class RedressCase {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'text', name: 'basis' })
  basis: RedressBasis;

  @Column({ type: 'uuid', name: 'incident_id', nullable: true })
  incidentId: string | null;

  @Column({ type: 'uuid', name: 'dispute_id', nullable: true })
  disputeId: string | null;

  @ManyToOne(() => Dispute)
  @JoinColumn({ name: 'dispute_id' })
  dispute: Relation<Dispute> | null;

  /** What is owed, in the mediator's words. */
  @Column({ type: 'text', name: 'remedy' })
  remedy: string;

  @Column({ type: 'uuid', name: 'owed_by_party_id' })
  owedByPartyId: string;

  @ManyToOne(() => Party)
  @JoinColumn({ name: 'owed_by_party_id' })
  owedByParty: Relation<Party>;

  @Column({ type: 'timestamptz', name: 'due_at' })
  dueAt: Date;

  @Column({ type: 'text', name: 'opened_by' })
  openedBy: string;

  @Column({ type: 'timestamptz', name: 'opened_at' })
  openedAt: Date;
}

/** The one record that a case's remedy was delivered (its primary key is the case: at most one). */
@Entity({ name: 'redress_delivery' })
export class RedressDelivery {
  @PrimaryColumn({ type: 'uuid', name: 'case_id' })
  caseId: string;

  @OneToOne(() => RedressCase, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'case_id' })
  redressCase: Relation<RedressCase>;

  @Column({ type: 'timestamptz', name: 'delivered_at' })
  deliveredAt: Date;

  @Column({ type: 'jsonb', name: 'evidence' })
  evidence: EvidenceRef[];

  @Column({ type: 'text', name: 'recorded_by' })
  recordedBy: string;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}
