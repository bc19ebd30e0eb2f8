import { readFile } from 'node:fs/promises';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';

/**
 * The generated files a codegen config would write that differ from the ones checked in: a change to
 * schema.graphql without `npm run codegen` shows up here (and usually in `tsc` as well).
 */
export async function staleGeneratedFiles(config: CodegenConfig): Promise<string[]> {
  const outputs = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
  const stale: string[] = [];
  for (const { filename, content } of outputs) {
    const onDisk = await readFile(filename, 'utf8').catch(() => null);
    if (onDisk !== content) stale.push(filename);
  }
  return stale;
}
