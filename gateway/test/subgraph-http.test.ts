import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SubgraphTransport } from '../src/subgraph-http.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A subgraph stand-in; `onRequest` decides per request (n counts from 1) and per connection. */
async function standIn(onRequest: (n: number, socket: Socket, answer: (body: string) => void) => void) {
  let n = 0;
  const sockets = new Set<Socket>();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => onRequest(++n, req.socket, (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body)));
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, connections: () => sockets.size };
}

describe('SubgraphTransport', () => {
  it('reuses one kept-alive connection for calls in sequence', async () => {
    const s = await standIn((n, _socket, answer) => answer(`{"data":{"n":${n}}}`));
    const t = new SubgraphTransport(s.url, { connections: 4 });
    for (let i = 1; i <= 3; i++) expect(JSON.parse((await t.post('{}', { 'content-type': 'application/json' }, 1000)).body)).toEqual({ data: { n: i } });
    expect(s.connections()).toBe(1);
    t.close();
  });

  it('posts again on a fresh connection when a kept-alive one was closed before the request was read', async () => {
    const s = await standIn((n, socket, answer) => (n === 2 ? socket.destroy() : answer(`{"data":{"n":${n}}}`)));
    const t = new SubgraphTransport(s.url, { connections: 4 });
    await t.post('{}', {}, 1000);
    const second = await t.post('{}', {}, 1000);
    expect(JSON.parse(second.body)).toEqual({ data: { n: 3 } });
    expect(s.connections()).toBe(2);
    t.close();
  });

  it('does not post again when the first call had no connection to reuse, and gives up at its deadline', async () => {
    const s = await standIn((n, socket) => (n === 1 ? socket.destroy() : undefined));
    const t = new SubgraphTransport(s.url, { connections: 4 });
    await expect(t.post('{}', {}, 1000)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(t.post('{}', {}, 200)).rejects.toMatchObject({ name: 'TimeoutError' });
    t.close();
  });
});
