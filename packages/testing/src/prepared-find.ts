import { expect } from 'vitest';
import { In, type DataSource, type ObjectLiteral } from 'typeorm';
import { preparedFindIn } from '@treaty/service-kit';

/**
 * Holds the kit's preparedFindIn to TypeORM's own find, on the rows a test file has written: for every
 * entity of `db` with a single-column primary key, every row (up to 500) read both ways must be equal,
 * class and every column's converted value included; and for each of `lookups` (the loaders that use
 * preparedFindIn), the same holds when reading by that column in that order. Returns the names of the
 * entities that had rows, so the caller can check the comparison was not vacuous.
 */
export async function expectPreparedFindAsTypeOrm(
  db: DataSource,
  lookups: { entity: string; property: string; order: Record<string, 'ASC' | 'DESC'> }[] = [],
): Promise<string[]> {
  const compared: string[] = [];
  for (const metadata of db.entityMetadatas) {
    if (metadata.primaryColumns.length !== 1) continue;
    const pk = metadata.primaryColumns[0]!.propertyName;
    const found: ObjectLiteral[] = await db.getRepository(metadata.target).find({ order: { [pk]: 'ASC' }, take: 500 });
    if (found.length === 0) continue;
    compared.push(metadata.name);
    const mine = await preparedFindIn(db, metadata.target, pk, found.map((e) => e[pk]), { [pk]: 'ASC' });
    expect(mine, `${metadata.name} read by preparedFindIn`).toStrictEqual(found);
  }
  for (const { entity, property, order } of lookups) {
    const metadata = db.getMetadata(entity);
    const all: ObjectLiteral[] = await db.getRepository(metadata.target).find({ take: 500 });
    expect(all.length, `${entity} has rows to compare`).toBeGreaterThan(0);
    const keys = [...new Set(all.map((e) => e[property]))];
    const theirs = await db.getRepository(metadata.target).find({ where: { [property]: In(keys) }, order });
    const mine = await preparedFindIn(db, metadata.target, property, keys, order);
    expect(mine).toHaveLength(theirs.length);
    // Per key, as the loaders hand them out: rows of different keys that tie on the order may come in
    // either order from two different statements.
    for (const key of keys) {
      const of = (rows: ObjectLiteral[]) => rows.filter((e) => e[property] === key);
      expect(of(mine), `${entity} by ${property} ${String(key)}`).toStrictEqual(of(theirs));
    }
  }
  return compared;
}
