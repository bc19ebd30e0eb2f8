import { describe, expect, it } from 'vitest';
import { staleGeneratedFiles } from '@treaty/testing';
import config from '../codegen.js';

describe('generated resolver types', () => {
  it('match schema.graphql (run `npm run codegen` after changing the schema)', async () => {
    expect(await staleGeneratedFiles(config)).toEqual([]);
  });
});
