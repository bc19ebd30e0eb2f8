import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Detainee } from './detainee.entity.js';

export const PROOF_OF_LIFE_METHODS = ['VISIT', 'VIDEO', 'LETTER', 'THIRD_PARTY'] as const;
export type ProofOfLifeMethod = (typeof PROOF_OF_LIFE_METHODS)[number];

/** An intermediary's record that a detainee was seen alive, how and when. Append-only. */
@Entity({ name: 'proof_of_life' })
@Index('proof_of_life_detainee_idx', ['detaineeId', 'observedAt'])
export class ProofOfLife {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'detainee_id' })
  detaineeId: string;

  @ManyToOne(() => Detainee)
  @JoinColumn({ name: 'detainee_id' })
  detainee: Relation<Detainee>;

  @Column({ type: 'text', name: 'method' })
  method: ProofOfLifeMethod;

  @Column({ type: 'timestamptz', name: 'observed_at' })
  observedAt: Date;

  /** Who saw the detainee (a delegate, a delegation), as stated by the intermediary. */
  @Column({ type: 'text', name: 'verifier' })
  verifier: string;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'recorded_by' })
  recordedBy: string;
}
