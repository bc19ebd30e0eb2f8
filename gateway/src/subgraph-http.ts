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

const IDLE_SOCKET_MS = 4_000;

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
    // An idle socket is closed after 4 s, before the subgraph's own 5 s keep-alive timeout
    // (packages/service-kit/src/http.ts) can close it under a request just sent on it.
    const options = { keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections, scheduling: 'lifo' as const, keepAliveMsecs: 1_000, timeout: IDLE_SOCKET_MS };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.request = secure ? https.request : http.request;
  }

  /**
   * Posts once; if a kept-alive socket turns out to have been closed by the subgraph before it read the
   * request (reset on a reused socket), posts again on a fresh one. That is safe for a mutation too:
   * the retry carries the same single-use credential, so a subgraph that did run the first can only
   * refuse the second.
   */
  async post(body: string, headers: Record<string, string>, timeoutMs: number): Promise<SubgraphAnswer> {
    try {
      return await this.attempt(body, headers, timeoutMs);
    } catch (e) {
      if (!(e as { staleSocket?: boolean }).staleSocket) throw e;
      return this.attempt(body, headers, timeoutMs);
    }
  }

  private attempt(body: string, headers: Record<string, string>, timeoutMs: number): Promise<SubgraphAnswer> {
    return new Promise((resolve, reject) => {
      let responded = false;
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
          responded = true;
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
      function fail(e: Error & { code?: string; staleSocket?: boolean }) {
        clearTimeout(timer);
        if (req.reusedSocket && !responded && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) e.staleSocket = true;
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
