import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { LocalisedWindow } from './localised-window.entity.js';

/**
 * The early end of a localised window, recorded once (the window's id is the primary key) and never
 * changed. It takes effect when it is recorded, never in the past, so nothing already judged inside the
 * window moves out of it.
 */
@Entity({ name: 'localised_window_closure' })
export class LocalisedWindowClosure {
  @PrimaryColumn({ type: 'uuid', name: 'window_id' })
  windowId: string;

  @OneToOne(() => LocalisedWindow, (w) => w.closure)
  @JoinColumn({ name: 'window_id' })
  window: Relation<LocalisedWindow>;

  @Column({ type: 'timestamptz', name: 'closed_at' })
  closedAt: Date;

  @Column({ type: 'text', name: 'reason' })
  reason: string;

  @Column({ type: 'text', name: 'closed_by' })
  closedBy: string;

  @Column({ type: 'text', name: 'closed_by_subject', nullable: true })
  closedBySubject: string | null;
}
