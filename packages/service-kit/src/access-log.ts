import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { randomUUID } from 'node:crypto';
import type { Caller } from './caller.js';
import { recordRef, type EvidenceLog, type FactKind } from './evidence-log.js';

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

  /** The evidence log entry (its subject) that records this read with the others of its request. */
  @Column({ type: 'uuid', name: 'evidence_batch', nullable: true })
  evidenceBatch: string | null;
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

  /**
   * Writes the request's reads, one row per record, and one evidence log entry for them all, in one
   * transaction: an access nobody can later deny or erase without the log showing it.
   */
  async flush(db: DataSource, caller: Caller, requestId: string, evidence: EvidenceLog): Promise<void> {
    if (this.reads.size === 0) return;
    const batch = randomUUID();
    const at = new Date();
    const rows = [...this.reads.values()].map((r) => ({
      at,
      subject: caller.subject,
      agency: caller.agency,
      roles: [...caller.roles],
      recordType: r.recordType,
      recordId: r.recordId,
      fields: [...r.fields].sort(),
      purpose: caller.purpose,
      requestId,
      evidenceBatch: batch,
    }));
    this.reads.clear();
    await db.transaction(async (m) => {
      await m.createQueryBuilder().insert().into(PersonalDataAccess).values(rows).execute();
      await evidence.append(m, { kind: PERSONAL_DATA_ACCESS_KIND, subject: batch, fact: accessFact(batch, rows), by: caller });
    });
  }
}

/** The evidence log's kind for reads (and erasures) of personal data. */
export const PERSONAL_DATA_ACCESS_KIND = 'personal-data-access';

type AccessRow = Pick<PersonalDataAccess, 'at' | 'agency' | 'purpose' | 'recordType' | 'recordId' | 'fields'>;

/**
 * One request's reads as the log records them: when, which agency, why, and for each record a
 * pseudonymous reference (SHA-256 of type and id) with the fields read. Never the values, never the id.
 */
export function accessFact(batch: string, rows: readonly AccessRow[]): Record<string, unknown> {
  const first = rows[0]!;
  return {
    batch,
    at: new Date(first.at).toISOString(),
    agency: first.agency,
    purpose: first.purpose,
    records: rows
      .map((r) => ({ type: r.recordType, ref: recordRef(r.recordType, r.recordId), fields: [...r.fields].sort() }))
      .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)),
  };
}

/** The FactKind of a service that logs reads of personal data (prisoners). */
export const personalDataAccessFacts: FactKind = {
  kind: PERSONAL_DATA_ACCESS_KIND,
  subjectsSql: 'SELECT DISTINCT evidence_batch FROM personal_data_access WHERE evidence_batch IS NOT NULL',
  async load(m, subjects) {
    if (subjects.length === 0) return new Map();
    const rows = await m.getRepository(PersonalDataAccess).createQueryBuilder('a').where('a.evidence_batch IN (:...subjects)', { subjects }).getMany();
    const byBatch = new Map<string, PersonalDataAccess[]>();
    for (const r of rows) byBatch.set(r.evidenceBatch!, [...(byBatch.get(r.evidenceBatch!) ?? []), r]);
    return new Map([...byBatch].map(([batch, list]) => [batch, accessFact(batch, list)]));
  },
};

/** Adds the column that ties access-log rows to their evidence log entry; listed by services that log personal reads. */
export class PersonalDataAccessEvidence1795270000001 implements MigrationInterface {
  name = 'PersonalDataAccessEvidence1795270000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE personal_data_access ADD COLUMN evidence_batch uuid`);
    await q.query(`CREATE INDEX personal_data_access_evidence_idx ON personal_data_access (evidence_batch) WHERE evidence_batch IS NOT NULL`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE personal_data_access DROP COLUMN evidence_batch`);
  }
}
