import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The playground is GraphiQL served from installed packages: no CDN, no request leaves the machine
 * (the Content-Security-Policy below makes the browser enforce it).
 */
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'react.js': { file: () => path.join(path.dirname(require.resolve('react/package.json')), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: () => path.join(path.dirname(require.resolve('react-dom/package.json')), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: () => path.join(path.dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: () => path.join(path.dirname(require.resolve('graphiql/package.json')), 'graphiql.min.css'), type: 'text/css' },
  'start.js': { file: () => new URL('../playground/start.js', import.meta.url).pathname, type: 'text/javascript' },
};

export const PLAYGROUND_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const cache = new Map<string, Buffer>();

/** The example operations shipped for partner agencies, one .graphql file each, in a fixed order. */
export const OPERATIONS_DIR = new URL('../operations/', import.meta.url);
const ORDER = ['agreements', 'compliance', 'party-scorecard', 'convoys-at-crossing', 'wave-progress', 'wave-manifests', 'tranches-awaiting-release'];

export async function exampleOperations(): Promise<{ name: string; query: string }[]> {
  const files = (await readdir(OPERATIONS_DIR)).filter((f) => f.endsWith('.graphql'));
  const rank = (f: string) => {
    const i = ORDER.indexOf(f.replace(/\.graphql$/, ''));
    return i === -1 ? ORDER.length : i;
  };
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Promise.all(files.map(async (f) => ({ name: f.replace(/\.graphql$/, ''), query: await readFile(new URL(f, OPERATIONS_DIR), 'utf8') })));
}

export async function playgroundAsset(name: string): Promise<{ body: Buffer; type: string } | null> {
  if (name === 'examples.js') {
    const body = Buffer.from(`window.TREATY_EXAMPLES = ${JSON.stringify(await exampleOperations())};\n`);
    return { body, type: 'text/javascript' };
  }
  const asset = ASSETS[name];
  if (!asset) return null;
  let body = cache.get(name);
  if (!body) {
    body = await readFile(asset.file());
    cache.set(name, body);
  }
  return { body, type: asset.type };
}

export function playgroundHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Treaty graph — playground</title>
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <link rel="stylesheet" href="/playground/graphiql.css" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading the playground…</div>
  <script src="/playground/react.js"></script>
  <script src="/playground/react-dom.js"></script>
  <script src="/playground/graphiql.js"></script>
  <script src="/playground/examples.js"></script>
  <script src="/playground/start.js"></script>
</body>
</html>`;
}
