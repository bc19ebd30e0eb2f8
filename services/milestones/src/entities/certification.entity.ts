import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Milestone } from './milestone.entity.js';

export interface EvidenceRef {
  reference: string;
  description: string | null;
  sha256: string | null;
}

/** A verifier's finding that a milestone was met. At most one per milestone (unique index). */
@Entity({ name: 'certification' })
export class Certification {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'milestone_id', unique: true })
  milestoneId: string;

  @ManyToOne(() => Milestone, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'milestone_id' })
  milestone: Relation<Milestone>;

  @Column({ type: 'text', name: 'verifier' })
  verifier: string;

  @Column({ type: 'text', name: 'verifier_subject', nullable: true })
  verifierSubject: string | null;

  @Column({ type: 'timestamptz', name: 'met_at' })
  metAt: Date;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'jsonb', name: 'evidence' })
  evidence: EvidenceRef[];

  @Column({ type: 'text', name: 'notes', nullable: true })
  notes: string | null;

  /** A STATEMENT's issuances, or a DOMESTIC_STEP's official record; null for an OBLIGATION. */
  @Column({ type: 'jsonb', name: 'kind_evidence', nullable: true })
  kindEvidence: KindEvidence | null;
}

export interface StoredIssuance {
  partyId: string;
  issuedAt: string;
  reference: string;
  sha256: string | null;
}

export interface StoredRecord {
  reference: string;
  institution: string;
  enactedAt: string;
}

export type KindEvidence = { issuances: StoredIssuance[] } | { record: StoredRecord };
