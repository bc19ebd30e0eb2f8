import http from 'node:http';
import https from 'node:https';

/**
 * The gateway's HTTP client to one subgraph: node:http on a keep-alive pool.
 *
 * The global fetch (undici behind WHATWG streams, a Request and an AbortSignal per call) cost the
 * gateway about a fifth of its CPU on the headline query's eight fetches, more than the stock gateway's
 * client. This posts a small JSON body and reads a small JSON answer, which is all a subgraph fetch is:
 * one pooled socket per call in flight, kept open between calls (LIFO, so a warm socket is reused
 * first), and one deadline that covers connecting, waiting and reading the whole answer.
 */
export interface SubgraphAnswer {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export class SubgraphTransport {
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(url: string, opts: { connections: number }) {
    this.target = new URL(url);
    const secure = this.target.protocol === 'https:';
    const options = { keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections, scheduling: 'lifo' as const, keepAliveMsecs: 1_000 };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.request = secure ? https.request : http.request;
  }

  post(body: string, headers: Record<string, string>, timeoutMs: number): Promise<SubgraphAnswer> {
    return new Promise((resolve, reject) => {
      const req = this.request(
        {
          protocol: this.target.protocol,
          hostname: this.target.hostname,
          port: this.target.port,
          path: `${this.target.pathname}${this.target.search}`,
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            const raw = res.headers;
            resolve({
              status: res.statusCode ?? 0,
              headers: { get: (name) => { const v = raw[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } },
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      function fail(e: Error) {
        clearTimeout(timer);
        reject(e);
      }
      const timer = setTimeout(() => req.destroy(new TimeoutError(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', fail);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
