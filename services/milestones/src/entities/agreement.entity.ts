import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'agreement' })
export class Agreement {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'text', name: 'title' })
  title: string;

  @Column({ type: 'text', name: 'mediator', nullable: true })
  mediator: string | null;

  @Index('agreement_entry_into_force_idx')
  @Column({ type: 'timestamptz', name: 'entry_into_force_at' })
  entryIntoForceAt: Date;

  @Column({ type: 'integer', name: 'proof_of_life_max_age_days' })
  proofOfLifeMaxAgeDays: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;
}
