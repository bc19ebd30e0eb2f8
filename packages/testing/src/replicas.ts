import { Agent, createServer, request as forward, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer in miniature, as a platform team would put in front of a service's replicas (a
 * Kubernetes Service, a compose scale-out): each request goes to the next replica in turn, whatever
 * connection it arrived on, so two requests in a row from one keep-alive client land on two replicas.
 */
export interface RoundRobinProxy {
  /** The URL to give callers instead of a replica's: same path as the replicas', the proxy's port. */
  url: string;
  port: number;
  /** How many requests each replica has been sent so far, in the order of the targets. */
  readonly served: readonly number[];
  close(): Promise<void>;
}

/** Headers that belong to one connection, not to the request, and so are never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** Starts a round-robin HTTP proxy on a free loopback port in front of `targets` (URLs of replicas). */
export async function startRoundRobinProxy(targets: string[]): Promise<RoundRobinProxy> {
  if (targets.length === 0) throw new Error('startRoundRobinProxy needs at least one target URL');
  const upstreams = targets.map((t) => new URL(t));
  const served = upstreams.map(() => 0);
  const agent = new Agent({ keepAlive: true });
  let next = 0;

  const server = createServer((req, res) => {
    const i = next;
    next = (next + 1) % upstreams.length;
    served[i] = served[i]! + 1;
    const target = upstreams[i]!;
    const upstream = forward(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...endToEnd(req.headers), host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      // A replica that is down answers as a real balancer would: 502, with nothing of the replica's address.
      if (res.headersSent) return void res.destroy();
      const body = JSON.stringify({ errors: [{ message: `Replica ${i + 1} of ${upstreams.length} did not answer.`, extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      res.writeHead(502, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}${upstreams[0]!.pathname}`,
    port,
    served,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closing;
    },
  };
}
