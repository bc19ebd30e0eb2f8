import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { Caller } from './caller.js';

/**
 * One read of personal data: who, when, which record, which fields, and why. Never the values.
 * Each service that holds personal data keeps its own log in its own database.
 */
@Entity({ name: 'personal_data_access' })
@Index('personal_data_access_record_idx', ['recordType', 'recordId', 'at'])
export class PersonalDataAccess {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'at' })
  at: Date;

  @Column({ type: 'text', name: 'subject', nullable: true })
  subject: string | null;

  @Column({ type: 'text', name: 'agency', nullable: true })
  agency: string | null;

  @Column({ type: 'text', array: true, name: 'roles' })
  roles: string[];

  @Column({ type: 'text', name: 'record_type' })
  recordType: string;

  @Column({ type: 'uuid', name: 'record_id' })
  recordId: string;

  @Column({ type: 'text', array: true, name: 'fields' })
  fields: string[];

  @Column({ type: 'text', name: 'purpose', nullable: true })
  purpose: string | null;

  @Column({ type: 'text', name: 'request_id' })
  requestId: string;
}

/** The access-log table; services that hold personal data list this migration with their own. */
export class PersonalDataAccessLog1795200000000 implements MigrationInterface {
  name = 'PersonalDataAccessLog1795200000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE personal_data_access (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        subject text,
        agency text,
        roles text[] NOT NULL,
        record_type text NOT NULL,
        record_id uuid NOT NULL,
        fields text[] NOT NULL,
        purpose text,
        request_id text NOT NULL
      )`);
    await q.query(`CREATE INDEX personal_data_access_record_idx ON personal_data_access (record_type, record_id, at)`);
    await q.query(`CREATE INDEX personal_data_access_at_idx ON personal_data_access (at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE personal_data_access`);
  }
}

/** Gathers the personal fields a request reads and writes one log row per record, in one statement. */
export class PersonalReads {
  private readonly reads = new Map<string, { recordType: string; recordId: string; fields: Set<string> }>();

  record(recordType: string, recordId: string, field: string): void {
    const key = `${recordType}:${recordId}`;
    const entry = this.reads.get(key);
    if (entry) entry.fields.add(field);
    else this.reads.set(key, { recordType, recordId, fields: new Set([field]) });
  }

  get size(): number {
    return this.reads.size;
  }

  async flush(db: DataSource, caller: Caller, requestId: string): Promise<void> {
    if (this.reads.size === 0) return;
    const rows = [...this.reads.values()].map((r) => ({
      subject: caller.subject,
      agency: caller.agency,
      roles: [...caller.roles],
      recordType: r.recordType,
      recordId: r.recordId,
      fields: [...r.fields].sort(),
      purpose: caller.purpose,
      requestId,
    }));
    this.reads.clear();
    await db.createQueryBuilder().insert().into(PersonalDataAccess).values(rows).execute();
  }
}
