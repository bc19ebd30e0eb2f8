import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DataKeyPurpose } from '@treaty/service-kit';

/**
 * A data key of the confidential reports' envelope encryption (src/crypto.ts), stored only wrapped by a
 * KEK the service is given in TREATY_DATA_KEYS. One `field` key is current and seals new values; a
 * retired one still opens what was sealed under it. The table has the prisoners service's shape, so the
 * same rotation procedure applies to both.
 */
@Entity({ name: 'data_key' })
export class DataKey {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The KEK (its id in TREATY_DATA_KEYS) that wraps this key. */
  @Column({ type: 'text', name: 'kek_id' })
  kekId: string;

  @Column({ type: 'text', name: 'wrapped' })
  wrapped: string;

  @Column({ type: 'text', name: 'purpose' })
  purpose: DataKeyPurpose;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  /** When a newer field key replaced it for sealing; null while current. */
  @Column({ type: 'timestamptz', name: 'retired_at', nullable: true })
  retiredAt: Date | null;
}
