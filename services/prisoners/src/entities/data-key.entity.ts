import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DataKeyPurpose } from '@treaty/service-kit';

/**
 * A data key of the personal fields' envelope encryption (src/crypto/), stored only wrapped by a KEK the
 * service is given in TREATY_DATA_KEYS. One `field` key is current (seals new values); retired ones still
 * open the values a rotation has not yet moved. The one `blind-index` key is never retired, so duplicate
 * detection keeps working across rotations; a KEK rotation re-wraps every key, current or retired.
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
