/** The roles a partner agency's token may carry (DESIGN §6). PUBLIC is the absence of a token. */
export const ROLES = ['MEDIATOR', 'MONITOR', 'INTERMEDIARY', 'GUARANTOR', 'AGENCY', 'PARTY'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking. Built by the gateway from a verified token and re-verified by each subgraph. */
export interface Caller {
  /** The token's subject (a person or system at the agency), for the access log. */
  subject: string | null;
  agency: string | null;
  roles: readonly Role[];
  /** For PARTY callers: the party they act for. */
  partyId: string | null;
  /** For GUARANTOR callers: the guarantor they act for, when the token names one. */
  guarantorId: string | null;
  /**
   * Set when a sibling service calls this one as itself (never on a partner agency's behalf): the
   * calling service. Such a caller has no roles; it reads only what the service grants that sibling.
   */
  via: string | null;
  /** Why the caller is asking (the `X-Purpose` request header), recorded with reads of personal data. */
  purpose: string | null;
}

export const PUBLIC_CALLER: Caller = Object.freeze({
  subject: null,
  agency: null,
  roles: Object.freeze([]) as readonly Role[],
  partyId: null,
  guarantorId: null,
  via: null,
  purpose: null,
});

export function isAuthenticated(caller: Caller): boolean {
  return caller.roles.length > 0;
}

export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return roles.some((r) => caller.roles.includes(r));
}

export function describeCaller(caller: Caller): string {
  if (caller.via) return `the ${caller.via} service (acting as itself)`;
  if (!isAuthenticated(caller)) return 'an anonymous (PUBLIC) caller';
  return `${caller.agency ?? 'an agency'} (${caller.roles.join(', ')})`;
}

/** Validates an untrusted object (decoded claims) into a Caller; throws on anything malformed. */
export function parseCaller(value: unknown): Caller {
  if (typeof value !== 'object' || value === null) throw new Error('caller must be an object');
  const v = value as Record<string, unknown>;
  const str = (k: string): string | null => {
    const x = v[k];
    if (x === undefined || x === null) return null;
    if (typeof x !== 'string' || x.length === 0 || x.length > 200) throw new Error(`caller.${k} must be a short string`);
    return x;
  };
  const roles = v.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((r) => (ROLES as readonly string[]).includes(r as string))) {
    throw new Error(`caller.roles must be a list of ${ROLES.join(', ')}`);
  }
  return {
    subject: str('subject'),
    agency: str('agency'),
    roles: [...new Set(roles as Role[])],
    partyId: str('partyId'),
    guarantorId: str('guarantorId'),
    via: str('via'),
    purpose: str('purpose'),
  };
}

/** Who to record as having done something: the agency, else the token's subject. Never personal data. */
export function actor(caller: Caller): string {
  return caller.agency ?? caller.subject ?? 'unknown';
}
