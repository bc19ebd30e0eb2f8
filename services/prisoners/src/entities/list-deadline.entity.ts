import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The list timetable of one agreement: lists due by one instant, comments on them by a later one. */
@Entity({ name: 'list_deadline' })
export class ListDeadline {
  @PrimaryColumn({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @Column({ type: 'timestamptz', name: 'submission_due_at' })
  submissionDueAt: Date;

  @Column({ type: 'timestamptz', name: 'comment_due_at' })
  commentDueAt: Date;

  @Column({ type: 'text', name: 'set_by' })
  setBy: string;

  @Column({ type: 'timestamptz', name: 'set_at' })
  setAt: Date;
}
