import { BadUserInputError, isUuid } from '@treaty/service-kit';
import { MAX_POINTS_PER_BATCH, classifyPoints } from '../../domain/positions.js';
import type { MutationRecordConvoyPositionsArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';

export const positionMutations = {
  /**
   * One SELECT for the convoys named and one INSERT … ON CONFLICT DO NOTHING for every valid point,
   * whatever the size of the batch. The insert is a single statement, so it is atomic by itself.
   */
  async recordConvoyPositions(_: unknown, { input }: MutationRecordConvoyPositionsArgs, ctx: Context) {
    const points = input.points;
    if (points.length === 0 || points.length > MAX_POINTS_PER_BATCH) {
      throw BadUserInputError.one('input.points', `A batch holds 1 to ${MAX_POINTS_PER_BATCH} points; got ${points.length}. Split larger uploads into several batches.`);
    }
    const now = ctx.clock.now();
    const ids = [...new Set(points.map((pt) => pt.convoyId).filter(isUuid).map((id) => id.toLowerCase()))];
    const rows: { id: string; agency: string }[] = ids.length ? await ctx.db.query('SELECT id, agency FROM convoy WHERE id = ANY($1::uuid[])', [ids]) : [];
    const { valid, rejected } = classifyPoints(points, new Map(rows.map((r) => [r.id, r.agency])), ctx.caller.agency, now);

    let stored = 0;
    if (valid.length) {
      const columns = { device: [] as string[], sequence: [] as number[], convoy: [] as string[], time: [] as string[], lat: [] as number[], lon: [] as number[] };
      for (const i of valid) {
        const pt = points[i]!;
        columns.device.push(pt.deviceId);
        columns.sequence.push(pt.sequence);
        columns.convoy.push(pt.convoyId.toLowerCase());
        columns.time.push(pt.deviceTime.toISOString());
        columns.lat.push(pt.latitude);
        columns.lon.push(pt.longitude);
      }
      const [result]: { n: number }[] = await ctx.db.query(
        `WITH inserted AS (
           INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude)
           SELECT u.device_id, u.sequence, u.convoy_id, u.device_time, $5::timestamptz, u.latitude, u.longitude
           FROM unnest($1::text[], $2::integer[], $3::uuid[], $4::timestamptz[], $6::float8[], $7::float8[])
             AS u(device_id, sequence, convoy_id, device_time, latitude, longitude)
           ON CONFLICT (device_id, sequence) DO NOTHING
           RETURNING 1
         )
         SELECT count(*)::int AS n FROM inserted`,
        [columns.device, columns.sequence, columns.convoy, columns.time, now.toISOString(), columns.lat, columns.lon],
      );
      stored = result!.n;
    }
    return { accepted: valid.length, new: stored, duplicates: valid.length - stored, rejected };
  },
};
