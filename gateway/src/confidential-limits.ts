import { createHmac, randomBytes } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from './context.js';

/**
 * Abuse limits of the confidential channel (DESIGN §12, issue 19), without tracking the reporter.
 *
 * Anyone may submit a report and follow it with a receipt, without a token, so the channel is open to
 * floods (filling the handlers' queue and the disk) and to guessing receipts. Receipts are 256 random
 * bits, so guessing one is hopeless whatever the rate; these limits make even trying slow, and keep a
 * flood from one network from drowning everyone else's reports:
 * - per source, per hour: `submissions` reports, `lookups` receipt reads and additions, and `failures`
 *   wrong receipts, after which that source's receipt operations are refused until the hour turns;
 * - for everyone together, per minute: `globalSubmissions` reports (the service's disk is finite).
 *
 * A "source" is the connecting address, kept only as an HMAC under a key this process draws at random
 * when it starts and draws again every hour, in memory, for the hour: nothing about who reported is
 * logged, stored or comparable across hours or replicas. Refusals are RATE_LIMITED with HTTP 429 and a
 * Retry-After, and name what to do. (Behind a proxy every report shares the proxy's address; the limits
 * then act per proxy, which is why they are generous.)
 */
export interface ConfidentialLimits {
  submissions: number;
  lookups: number;
  failures: number;
  globalSubmissions: number;
}

export const DEFAULT_CONFIDENTIAL_LIMITS: ConfidentialLimits = { submissions: 10, lookups: 120, failures: 20, globalSubmissions: 120 };

/** The root fields of the channel that need no token, by what they count against. */
const SUBMIT = new Set(['submitConfidentialReport']);
const RECEIPT = new Set(['confidentialReportByReceipt', 'addToConfidentialReport']);
/** Every root field of the confidential channel, handlers' included: the dashboard cache never keeps their answers. */
export const CONFIDENTIAL_ROOT_FIELDS: ReadonlySet<string> = new Set([...SUBMIT, ...RECEIPT, 'confidentialReports', 'confidentialReport']);

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Past this many sources in one hour the oldest are dropped: memory stays bounded under a spray of addresses. */
const MAX_SOURCES = 100_000;

interface Counts {
  submissions: number;
  lookups: number;
  failures: number;
}

/** The counters of one hour, keyed by the HMAC of the source under that hour's key. */
export class ChannelCounters {
  private key = randomBytes(32);
  private hour = -1;
  private sources = new Map<string, Counts>();
  private minute = -1;
  private globalSubmissions = 0;

  constructor(
    readonly limits: ConfidentialLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): void {
    const hour = Math.floor(this.now() / HOUR_MS);
    if (hour !== this.hour) {
      // A new hour: new key, no counts. Last hour's keys and counts are gone for good.
      this.hour = hour;
      this.key = randomBytes(32);
      this.sources = new Map();
    }
    const minute = Math.floor(this.now() / MINUTE_MS);
    if (minute !== this.minute) {
      this.minute = minute;
      this.globalSubmissions = 0;
    }
  }

  private counts(source: string): Counts {
    this.roll();
    const id = createHmac('sha256', this.key).update(source).digest('base64url');
    let c = this.sources.get(id);
    if (!c) {
      if (this.sources.size >= MAX_SOURCES) this.sources.delete(this.sources.keys().next().value!);
      this.sources.set(id, (c = { submissions: 0, lookups: 0, failures: 0 }));
    }
    return c;
  }

  /** Seconds until the counters of this hour (or minute) are gone. */
  retryAfter(scope: 'hour' | 'minute'): number {
    const span = scope === 'hour' ? HOUR_MS : MINUTE_MS;
    return Math.max(1, Math.ceil((span - (this.now() % span)) / 1000));
  }

  /** Counts one use of the channel by `source`; the refusal message when it is over a limit, else null. */
  admit(source: string, kind: 'submit' | 'receipt'): { message: string; retryAfter: number } | null {
    const c = this.counts(source);
    if (kind === 'submit') {
      if (this.globalSubmissions >= this.limits.globalSubmissions) {
        return { message: `The confidential channel is receiving more reports than it can take in right now; nothing was recorded. Send yours again in a minute.`, retryAfter: this.retryAfter('minute') };
      }
      if (c.submissions >= this.limits.submissions) {
        return { message: `Too many confidential reports from this network this hour (${this.limits.submissions}); nothing was recorded. Send it again after the hour turns, or add to a report you made with its receipt.`, retryAfter: this.retryAfter('hour') };
      }
      c.submissions += 1;
      this.globalSubmissions += 1;
      return null;
    }
    if (c.failures >= this.limits.failures) {
      return { message: `Too many receipts that match no report were tried from this network this hour; receipts are refused here until the hour turns. Check yours was copied whole.`, retryAfter: this.retryAfter('hour') };
    }
    if (c.lookups >= this.limits.lookups) {
      return { message: `Too many uses of receipts from this network this hour (${this.limits.lookups}); try again after the hour turns.`, retryAfter: this.retryAfter('hour') };
    }
    c.lookups += 1;
    return null;
  }

  /** Counts a receipt that matched no report. */
  failed(source: string): void {
    this.counts(source).failures += 1;
  }
}

function rootFields(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

/**
 * The Apollo Server plugin: before the plan runs, counts the operation's uses of the channel against
 * its source and refuses it whole when one is over its limit (nothing reaches the subgraph); after, counts
 * each receipt that matched no report (NOT_FOUND on a receipt field).
 */
export function confidentialLimitsPlugin(counters: ChannelCounters): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let receiptFields = 0;
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (!operation || contextValue.source === undefined) return;
          const fields = rootFields(operation);
          const submits = fields.filter((f) => SUBMIT.has(f)).length;
          receiptFields = fields.filter((f) => RECEIPT.has(f)).length;
          for (let i = 0; i < submits + receiptFields; i += 1) {
            const refused = counters.admit(contextValue.source, i < submits ? 'submit' : 'receipt');
            if (refused) {
              // Apollo Server reads `http` (a status and a Map of headers) from an error thrown before execution.
              const http = { status: 429, headers: new Map([['retry-after', String(refused.retryAfter)]]) } as unknown as Record<string, unknown>;
              throw new GraphQLError(refused.message, { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: refused.retryAfter, http } });
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (!receiptFields || contextValue.source === undefined || response.body.kind !== 'single') return;
          for (const e of response.body.singleResult.errors ?? []) {
            if (e.extensions?.code === 'NOT_FOUND' && typeof e.path?.[0] === 'string' && RECEIPT.has(e.path[0])) counters.failed(contextValue.source);
          }
        },
      };
    },
  };
}
