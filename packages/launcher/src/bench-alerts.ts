import { parseArgs } from 'node:util';
import { mintDevToken } from './keys.js';
import { gql, startGateway, startStack, type Gateway } from './bench-stack.js';
import { openEventStream, type OpenStream } from './sse.js';

const HELP = `npm run bench:alerts [-- --events 100 --subscribers 20 --running]

How long a verified material violation takes to reach the incident-response cell's open streams
(DESIGN §12, issue 19: within 2 s of the commit). Starts its own federation (npm start's launcher, the
demo scenario) or, with --running, uses the one npm start runs; starts a second gateway over the same
subgraphs, as a second replica would be; opens --subscribers streams at GET /alerts, half on each
gateway, each for its own MONITOR agency; then --events times, one after the other: reports an incident,
moves it to UNDER_REVIEW, and verifies it MATERIAL, and times the incident.verified event's arrival on
every stream from the moment verifyIncident was sent (an upper bound on commit to delivery, since the
commit happens before the answer) and from the moment its answer arrived (a lower bound).
Prints, per gateway, the p50, p95, p99 and maximum of both, how many events each stream missed or got
twice, and the ratio of the worst p99 to the 2 s target.`;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100' },
    subscribers: { type: 'string', default: '20' },
    running: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const log = (msg: string) => console.error(`▸ ${msg}`);
const TARGET_MS = 2_000;

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

interface Subscriber {
  gateway: Gateway;
  stream: OpenStream;
  /** When each incident's incident.verified event arrived, by incident id (every arrival kept). */
  arrivals: Map<string, number[]>;
}

async function main(): Promise<void> {
  if (args.help) return void console.log(HELP);
  const events = Number(args.events);
  const subscribers = Number(args.subscribers);
  if (!Number.isInteger(events) || events < 1 || !Number.isInteger(subscribers) || subscribers < 1 || subscribers > 200) {
    throw new Error('--events must be a whole number of at least 1, --subscribers 1 to 200 (e.g. --events 100 --subscribers 20).');
  }
  const stack = await startStack(args.running!, log);
  const extra: Gateway[] = [];
  const subs: Subscriber[] = [];
  try {
    const env = stack.gatewayEnv;
    log('starting a second gateway over the same subgraphs (a second replica)');
    const first = await startGateway('gateway replica 1', 'gateway/dist/main.js', env);
    const second = await startGateway('gateway replica 2', 'gateway/dist/main.js', env);
    extra.push(first, second);
    const monitor = await mintDevToken(stack.keys, { agency: 'Benchmark Monitoring Cell', roles: ['MONITOR'], subject: 'bench-monitor' });
    const { agreements } = await gql<{ agreements: { id: string; parties: { id: string }[] }[] }>(first.url, monitor, '{ agreements { id parties { id } } }');
    const agreement = agreements[0];
    if (!agreement) throw new Error('No agreement to report incidents under: the demo scenario did not load.');

    log(`opening ${subscribers} streams at /alerts, half on each gateway`);
    for (let i = 0; i < subscribers; i++) {
      const gateway = i % 2 === 0 ? first : second;
      const token = await mintDevToken(stack.keys, { agency: `Benchmark Response Cell ${i + 1}`, roles: ['MONITOR'], subject: `bench-cell-${i + 1}` });
      const arrivals = new Map<string, number[]>();
      const stream = await openEventStream(gateway.url.replace(/\/graphql$/, '/alerts?types=incident.verified'), { authorization: `Bearer ${token}` }, (e) => {
        if (e.event !== 'incident.verified') return;
        const at = performance.now();
        const id = String((JSON.parse(e.data) as { data: { incidentId: string } }).data.incidentId);
        arrivals.set(id, [...(arrivals.get(id) ?? []), at]);
      });
      if (stream.status !== 200) throw new Error(`GET /alerts answered ${stream.status}: ${stream.refusal}`);
      subs.push({ gateway, stream, arrivals });
    }
    // Let every stream's first poll settle before the first event.
    await new Promise((r) => setTimeout(r, 1_000));

    const sent = new Map<string, { sentAt: number; answeredAt: number }>();
    log(`${events} incidents reported, reviewed and verified one after the other`);
    for (let n = 0; n < events; n++) {
      const { reportIncident } = await gql<{ reportIncident: { id: string } }>(first.url, monitor, `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`, {
        input: {
          agreementId: agreement.id,
          category: 'CEASEFIRE_VIOLATION',
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
          latitude: 41.6,
          longitude: 22.5,
          placeDescription: `Benchmark position ${n + 1}`,
          severity: 'MATERIAL',
          description: 'Benchmark incident.',
        },
      });
      const verify = `mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`;
      await gql(first.url, monitor, verify, { input: { incidentId: reportIncident.id, state: 'UNDER_REVIEW' } });
      const sentAt = performance.now();
      await gql(first.url, monitor, verify, { input: { incidentId: reportIncident.id, state: 'VERIFIED', confidence: 'HIGH', attributedPartyId: agreement.parties[0]!.id, findings: 'Benchmark.' } });
      sent.set(reportIncident.id, { sentAt, answeredAt: performance.now() });
      if ((n + 1) % 20 === 0) log(`  ${n + 1}/${events}`);
    }
    // Whatever is still on its way gets the target's time to arrive.
    await new Promise((r) => setTimeout(r, TARGET_MS + 500));

    console.log(`\nincident.verified, commit to an open stream, ${events} events x ${subscribers} streams (${subscribers / 2} per gateway):`);
    console.log('| gateway | from sent p50 | p95 | p99 | max | from answered p50 | p99 | missed | twice |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    let worst = 0;
    for (const gateway of [first, second]) {
      const fromSent: number[] = [];
      const fromAnswered: number[] = [];
      let missed = 0;
      let twice = 0;
      for (const s of subs.filter((x) => x.gateway === gateway)) {
        for (const [id, t] of sent) {
          const got = s.arrivals.get(id) ?? [];
          if (!got.length) missed += 1;
          if (got.length > 1) twice += 1;
          if (got.length) {
            fromSent.push(got[0]! - t.sentAt);
            fromAnswered.push(Math.max(0, got[0]! - t.answeredAt));
          }
        }
      }
      fromSent.sort((a, b) => a - b);
      fromAnswered.sort((a, b) => a - b);
      worst = Math.max(worst, quantile(fromSent, 0.99));
      const ms = (x: number) => `${x.toFixed(0)} ms`;
      console.log(
        `| ${gateway.name} | ${ms(quantile(fromSent, 0.5))} | ${ms(quantile(fromSent, 0.95))} | ${ms(quantile(fromSent, 0.99))} | ${ms(fromSent[fromSent.length - 1] ?? NaN)} | ${ms(quantile(fromAnswered, 0.5))} | ${ms(quantile(fromAnswered, 0.99))} | ${missed} | ${twice} |`,
      );
    }
    console.log(`\nworst p99 from sent: ${worst.toFixed(0)} ms = ${(worst / TARGET_MS).toFixed(2)}x the 2 s target (${worst <= TARGET_MS ? 'met' : 'MISSED'})`);
  } finally {
    for (const s of subs) s.stream.close();
    for (const g of extra) g.child.kill('SIGTERM');
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
