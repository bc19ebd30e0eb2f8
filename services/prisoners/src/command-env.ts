import { z } from 'zod';
import { postgresUrlSetting } from '@treaty/service-kit';

/**
 * The database the prisoners maintenance commands (rotate-keys, purge-personal-data) work on, read as
 * the service reads it: PRISONERS_DATABASE_URL, else DATABASE_URL. Each command adds its own variables.
 */
export const commandDatabase = z
  .object({
    PRISONERS_DATABASE_URL: postgresUrlSetting('prisoners').optional(),
    DATABASE_URL: postgresUrlSetting('prisoners').optional(),
  })
  .refine((e) => e.PRISONERS_DATABASE_URL ?? e.DATABASE_URL, { message: 'PRISONERS_DATABASE_URL or DATABASE_URL is required', path: ['DATABASE_URL'] });

export const databaseUrlOf = (env: { PRISONERS_DATABASE_URL?: string; DATABASE_URL?: string }): string => (env.PRISONERS_DATABASE_URL ?? env.DATABASE_URL)!;
