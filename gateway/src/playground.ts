import { readFile } from 'node:fs/promises';
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
  'examples.js': { file: () => new URL('../playground/examples.js', import.meta.url).pathname, type: 'text/javascript' },
};

export const PLAYGROUND_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const cache = new Map<string, Buffer>();

export async function playgroundAsset(name: string): Promise<{ body: Buffer; type: string } | null> {
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
