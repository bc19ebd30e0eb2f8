import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const PARTY_KINDS = ['STATE', 'GOVERNMENT', 'NON_STATE_ARMED_GROUP', 'OTHER'] as const;
export type PartyKind = (typeof PARTY_KINDS)[number];

@Entity({ name: 'party' })
export class Party {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'text', name: 'name', unique: true })
  name: string;

  @Column({ type: 'text', name: 'kind' })
  kind: PartyKind;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
