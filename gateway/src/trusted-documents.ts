import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, print } from 'graphql';

/**
 * The operations an anonymous caller may run in production: the example operations shipped in
 * gateway/operations/ plus any folders of `*.graphql` files the deployment names in
 * GATEWAY_TRUSTED_DOCUMENTS. A caller sends either the document's text (whitespace and comments may
 * differ: documents are compared in GraphQL's printed form) or only its hash, as an automatic persisted
 * query: `"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<SHA-256 of the file>"}}`.
 */
export interface TrustedDocuments {
  /** The stored text for a document, matched by text (any formatting) or by SHA-256 of the stored text. */
  find(query: string | undefined, sha256Hash: string | undefined): string | null;
  readonly size: number;
}

export const OPERATIONS_DIR = fileURLToPath(new URL('../operations/', import.meta.url));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function normalise(query: string): string | null {
  try {
    return print(parse(query, { noLocation: true }));
  } catch {
    return null;
  }
}

export async function loadTrustedDocuments(dirs: string[] = []): Promise<TrustedDocuments> {
  const byPrinted = new Map<string, string>();
  const byHash = new Map<string, string>();
  for (const dir of [OPERATIONS_DIR, ...dirs]) {
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith('.graphql')).sort();
    } catch (e) {
      throw new Error(`GATEWAY_TRUSTED_DOCUMENTS: cannot read the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give folders of .graphql files, separated by commas.`);
    }
    for (const file of files) {
      const text = await readFile(path.join(dir, file), 'utf8');
      const printed = normalise(text);
      if (!printed) throw new Error(`Trusted document ${path.join(dir, file)} is not valid GraphQL; fix or remove it.`);
      byPrinted.set(printed, text);
      byHash.set(sha256(text), text);
    }
  }
  return {
    size: byHash.size,
    find(query, hash) {
      if (query !== undefined) {
        if (hash !== undefined && sha256(query) !== hash) return null;
        const printed = normalise(query);
        return printed ? (byPrinted.get(printed) ?? null) : null;
      }
      return hash !== undefined ? (byHash.get(hash.toLowerCase()) ?? null) : null;
    },
  };
}
