import type { ValueTransformer } from 'typeorm';

/**
 * bigint minor units in and out of PostgreSQL's bigint, never through a JavaScript number: pg returns
 * int8 as a string, which becomes a BigInt here.
 */
export const minorUnits: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};
