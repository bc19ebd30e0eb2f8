import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/launcher/{src,dist}/paths.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where npm start keeps its database, keys and state: TREATY_DATA_DIR, else .treaty-data in the repository. */
export function dataDir(env: Record<string, string | undefined>): string {
  return path.resolve(env.TREATY_DATA_DIR || path.join(REPO_ROOT, '.treaty-data'));
}
