import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { GuarantorKind, GuarantorRole } from '../domain/rules.js';

/** A UN body, state or regional organisation that guarantees an agreement. Names are unique, ignoring case. */
@Entity({ name: 'guarantor' })
@Index('guarantor_name_key', { synchronize: false })
export class Guarantor {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'text', name: 'name' })
  name: string;

  @Column({ type: 'text', name: 'kind' })
  kind: GuarantorKind;

  @Column({ type: 'text', array: true, name: 'roles' })
  roles: GuarantorRole[];

  @Column({ type: 'timestamptz', name: 'registered_at' })
  registeredAt: Date;

  @Column({ type: 'text', name: 'registered_by', nullable: true })
  registeredBy: string | null;
}
