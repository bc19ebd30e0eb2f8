// Used by the Dockerfile's runtime-deps stage: drops devDependencies (and scripts) from the named
// workspaces' package.json, so `npm ci --omit=dev --workspace=…` installs what they run and nothing more.
import { readFileSync, writeFileSync } from 'node:fs';

for (const dir of process.argv.slice(2)) {
  const file = `${dir}/package.json`;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  delete manifest.devDependencies;
  delete manifest.scripts;
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
