import { spawn } from 'node:child_process';
import net from 'node:net';
import { stat } from './bench-procs.js';

/**
 * What one request-and-answer over loopback TCP costs this machine in CPU, both ends together, before
 * either end does any work: an echo server in a child process and a client in this one, 1 KiB each way,
 * one message at a time (as a subgraph fetch or a PostgreSQL statement is). Every hop of the headline
 * query, gateway to subgraph or subgraph to PostgreSQL, pays it once, so `npm run bench` prints it beside
 * the number of hops: on a virtual machine, where waking another process is dear, it sets a floor under
 * the whole stack's CPU per request that no change to our code moves.
 */
export interface RoundTripCost {
  /** CPU microseconds per round trip, client and server together. */
  cpuMicros: number;
  /** Wall-clock microseconds per round trip. */
  wallMicros: number;
}

const ECHO = `
const net = require('node:net');
const s = net.createServer((c) => c.on('data', (d) => c.write(d)));
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

export async function measureRoundTrip(trips = 3000, bytes = 1024): Promise<RoundTripCost> {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const message = Buffer.alloc(bytes, 120);
    const run = (n: number) =>
      new Promise<void>((resolve) => {
        let received = 0;
        let done = 0;
        const onData = (d: Buffer) => {
          received += d.length;
          // One answer is whole when all its bytes are in; only then is the next message sent.
          while (received >= bytes) {
            received -= bytes;
            if (++done === n) {
              socket.off('data', onData);
              return resolve();
            }
            socket.write(message);
          }
        };
        socket.on('data', onData);
        socket.write(message);
      });
    await run(300); // warm-up
    const cpuBefore = process.cpuUsage();
    const childBefore = stat(child.pid!)!.cpuMs;
    const started = performance.now();
    await run(trips);
    const wallMs = performance.now() - started;
    const own = process.cpuUsage(cpuBefore);
    const childMs = stat(child.pid!)!.cpuMs - childBefore;
    socket.destroy();
    return { cpuMicros: ((own.user + own.system) / 1000 + childMs) * (1000 / trips), wallMicros: (wallMs * 1000) / trips };
  } finally {
    child.kill();
  }
}
