import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Detainee } from './detainee.entity.js';
import { DetaineeList } from './detainee-list.entity.js';

export const CONTEST_REASONS = ['UNKNOWN_PERSON', 'DUPLICATE', 'NOT_HELD', 'DECEASED', 'OTHER'] as const;
export type ContestReason = (typeof CONTEST_REASONS)[number];
export const RESOLUTIONS = ['AGREED', 'REMOVED'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * One name on a list. Only facts are stored (the contest, the mediator's resolution); the status
 * (SUBMITTED, CONTESTED, AGREED, REMOVED) is derived with the comment deadline and the clock. At most one
 * entry per detainee is live (not REMOVED): a unique partial index keeps it so.
 */
@Entity({ name: 'detainee_list_entry' })
@Index('detainee_list_entry_list_idx', ['listId', 'position'])
@Index('detainee_list_entry_detainee_idx', ['detaineeId'])
@Index('detainee_list_entry_live_key', ['detaineeId'], { unique: true, where: "resolution IS DISTINCT FROM 'REMOVED'" })
export class ListEntry {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'list_id' })
  listId: string;

  @ManyToOne(() => DetaineeList)
  @JoinColumn({ name: 'list_id' })
  list: Relation<DetaineeList>;

  @Column({ type: 'uuid', name: 'detainee_id' })
  detaineeId: string;

  @ManyToOne(() => Detainee)
  @JoinColumn({ name: 'detainee_id' })
  detainee: Relation<Detainee>;

  @Column({ type: 'integer', name: 'position' })
  position: number;

  @Column({ type: 'text', name: 'contest_reason', nullable: true })
  contestReason: ContestReason | null;

  @Column({ type: 'text', name: 'contest_note', nullable: true })
  contestNote: string | null;

  @Column({ type: 'uuid', name: 'contesting_party_id', nullable: true })
  contestingPartyId: string | null;

  @Column({ type: 'timestamptz', name: 'contested_at', nullable: true })
  contestedAt: Date | null;

  @Column({ type: 'text', name: 'contested_by', nullable: true })
  contestedBy: string | null;

  @Column({ type: 'text', name: 'resolution', nullable: true })
  resolution: Resolution | null;

  @Column({ type: 'text', name: 'resolution_note', nullable: true })
  resolutionNote: string | null;

  @Column({ type: 'timestamptz', name: 'resolved_at', nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'text', name: 'resolved_by', nullable: true })
  resolvedBy: string | null;
}
