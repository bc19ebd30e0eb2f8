import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';
import { Dispute } from './dispute.entity.js';

export const REPORT_STATES = ['RECEIVED', 'UNDER_REVIEW', 'VALIDATED', 'NOT_VALIDATED', 'CLOSED'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/**
 * A confidential report (DESIGN §12). Every column that holds what the reporter wrote is sealed with the
 * service's data keys (src/crypto.ts): a dump shows ciphertext only. Nothing about the reporter is kept
 * (no address, agency or token): the receipt's SHA-256 is the only way back to the report, and the
 * receipt itself is never stored. Its status is that of its latest review (RECEIVED before any).
 */
@Entity({ name: 'confidential_report' })
@Index('confidential_report_submitted_idx', ['submittedAt', 'id'])
export class ConfidentialReport {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** SHA-256 of the receipt, hex. Unique: one receipt, one report. */
  @Column({ type: 'text', name: 'receipt_sha256', unique: true })
  receiptSha256: string;

  /** The agreement the report concerns: as the reporter named it, or that of what a handler linked it to. */
  @Column({ type: 'uuid', name: 'agreement_id', nullable: true })
  agreementId: string | null;

  @ManyToOne(() => Agreement)
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement> | null;

  /** Sealed: what happened. */
  @Column({ type: 'text', name: 'what' })
  what: string;

  /** Sealed: where, in the reporter's words. */
  @Column({ type: 'text', name: 'place', nullable: true })
  place: string | null;

  /** Sealed: when, as an ISO 8601 instant. */
  @Column({ type: 'text', name: 'occurred_at', nullable: true })
  occurredAt: string | null;

  /** Sealed: when, in the reporter's words ("the night of the storm"). */
  @Column({ type: 'text', name: 'when_text', nullable: true })
  whenText: string | null;

  /** Sealed: how to reach the reporter, if they chose to say. */
  @Column({ type: 'text', name: 'contact', nullable: true })
  contact: string | null;

  @Column({ type: 'timestamptz', name: 'submitted_at' })
  submittedAt: Date;
}

export const MESSAGE_AUTHORS = ['REPORTER', 'HANDLER'] as const;
export type MessageAuthor = (typeof MESSAGE_AUTHORS)[number];

/** One message of a report's thread: an addition by the reporter or a handler's reply. Its body is sealed. */
@Entity({ name: 'confidential_report_message' })
export class ConfidentialReportMessage {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'report_id' })
  reportId: string;

  @ManyToOne(() => ConfidentialReport, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id' })
  report: Relation<ConfidentialReport>;

  /** 1, 2, … in the order written; at most REPORT_LIMITS.messages per report (unique per report). */
  @Column({ type: 'integer', name: 'position' })
  position: number;

  @Column({ type: 'text', name: 'author' })
  author: MessageAuthor;

  /** The handler's agency; null for the reporter, of whom nothing is kept. */
  @Column({ type: 'text', name: 'handler', nullable: true })
  handler: string | null;

  /** Sealed. */
  @Column({ type: 'text', name: 'body' })
  body: string;

  @Column({ type: 'timestamptz', name: 'written_at' })
  writtenAt: Date;
}

/** A handler's decision on a report: its new status and, optionally, the incident or dispute it concerns. */
@Entity({ name: 'confidential_report_review' })
export class ConfidentialReportReview {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'report_id' })
  reportId: string;

  @ManyToOne(() => ConfidentialReport, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id' })
  report: Relation<ConfidentialReport>;

  /** 1, 2, … in the order decided (unique per report): the latest is the report's status. */
  @Column({ type: 'integer', name: 'position' })
  position: number;

  @Column({ type: 'text', name: 'status' })
  status: Exclude<ReportState, 'RECEIVED'>;

  /** An incident in the corridors service, confirmed with it when linked. */
  @Column({ type: 'uuid', name: 'incident_id', nullable: true })
  incidentId: string | null;

  @Column({ type: 'uuid', name: 'dispute_id', nullable: true })
  disputeId: string | null;

  @ManyToOne(() => Dispute)
  @JoinColumn({ name: 'dispute_id' })
  dispute: Relation<Dispute> | null;

  @Column({ type: 'text', name: 'reviewed_by' })
  reviewedBy: string;

  @Column({ type: 'timestamptz', name: 'reviewed_at' })
  reviewedAt: Date;
}
