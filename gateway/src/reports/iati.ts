/**
 * IATI 2.03 activity XML (iatistandard.org) of an agreement's funding, from what the caller may read:
 * one activity per guarantor that funds the agreement, reported as that guarantor would report it.
 * - Funding pledges COMMITTED or PAID are transactions of type 2 (Outgoing Commitment) on the day they
 *   were committed. A pledge not yet committed is not a transaction in IATI and is left out.
 * - Each tranche released to a party is a transaction of type 3 (Disbursement), with that party as
 *   receiver, of the amount released (the tranche less any share forfeited under the penalty schedule).
 * Amounts are the ledger's own decimal strings (integer minor units of the account's currency, written
 * with that currency's decimals), never recomputed in floating point. Organisation references use the
 * prefix XI-TREATYGRAPH: the parties and guarantors of this system have no registered IATI identifier.
 */

export interface Money {
  amount: string;
  currency: string;
}

export interface IatiAgreement {
  id: string;
  title: string;
  mediator: string | null;
  entryIntoForceAt: string;
  currentPhase: { name: string } | null;
  parties: Array<{ id: string; name: string }>;
  commitments: Array<{
    id: string;
    kind: string;
    status: string;
    amount: Money | null;
    pledgedAt: string;
    committedAt: string | null;
    paidAt: string | null;
    guarantor: { id: string; name: string; kind: string };
  }> | null;
  escrowAccounts: Array<{
    id: string;
    currency: string;
    beneficiary: { name: string } | null;
    tranches: Array<{ id: string; status: string | null; guarantor: { id: string; name: string }; released: Money; release: { releasedAt: string } | null; milestone: { title: string } | null }>;
  }> | null;
}

const PREFIX = 'XI-TREATYGRAPH';

/** IATI OrganisationType codes: 10 Government, 40 Multilateral, 15 Other Public Sector. */
const ORGANISATION_TYPE: Record<string, string> = { STATE: '10', UN_BODY: '40', REGIONAL_ORGANISATION: '15' };

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Escapes text and attribute values; drops characters XML 1.0 cannot carry at all. */
export function xmlEscape(value: unknown): string {
  return String(value ?? '')
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const isoDate = (iso: string) => iso.slice(0, 10);
const narrative = (text: string) => `<narrative>${xmlEscape(text)}</narrative>`;
const orgRef = (kind: 'guarantor' | 'agreement', id: string) => `${PREFIX}-${kind === 'guarantor' ? 'G' : 'A'}-${id}`;

function transaction(t: { type: '2' | '3'; date: string; money: Money; description: string; provider: { ref: string; name: string }; receiver?: { name: string } }): string {
  return [
    '   <transaction>',
    `    <transaction-type code="${t.type}"/>`,
    `    <transaction-date iso-date="${isoDate(t.date)}"/>`,
    `    <value currency="${xmlEscape(t.money.currency)}" value-date="${isoDate(t.date)}">${xmlEscape(t.money.amount)}</value>`,
    `    <description>${narrative(t.description)}</description>`,
    `    <provider-org ref="${xmlEscape(t.provider.ref)}">${narrative(t.provider.name)}</provider-org>`,
    ...(t.receiver ? [`    <receiver-org>${narrative(t.receiver.name)}</receiver-org>`] : []),
    '   </transaction>',
  ].join('\n');
}

export function iatiActivities(a: IatiAgreement, generatedAt: Date): string {
  const guarantors = new Map<string, { id: string; name: string; kind: string }>();
  for (const c of a.commitments ?? []) if (c.kind === 'FUNDING_PLEDGE') guarantors.set(c.guarantor.id, c.guarantor);
  for (const acc of a.escrowAccounts ?? []) for (const t of acc.tranches) if (!guarantors.has(t.guarantor.id)) guarantors.set(t.guarantor.id, { ...t.guarantor, kind: '' });
  const status = Date.parse(a.entryIntoForceAt) <= generatedAt.getTime() ? '2' : '1';
  const activities = [...guarantors.values()].map((g) => {
    const ref = orgRef('guarantor', g.id);
    const commitments = (a.commitments ?? [])
      .filter((c) => c.guarantor.id === g.id && c.kind === 'FUNDING_PLEDGE' && c.amount && c.committedAt && (c.status === 'COMMITTED' || c.status === 'PAID'))
      .map((c) => transaction({ type: '2', date: c.committedAt!, money: c.amount!, description: `Funding pledge committed to ${a.title}${c.status === 'PAID' ? ' (paid into escrow)' : ''}`, provider: { ref, name: g.name } }));
    const releases = (a.escrowAccounts ?? []).flatMap((acc) =>
      acc.tranches
        .filter((t) => t.guarantor.id === g.id && t.release)
        .map((t) =>
          transaction({
            type: '3',
            date: t.release!.releasedAt,
            money: t.released,
            description: `Tranche released from escrow${t.milestone ? ` on the milestone "${t.milestone.title}"` : ''}`,
            provider: { ref, name: g.name },
            ...(acc.beneficiary ? { receiver: { name: acc.beneficiary.name } } : {}),
          }),
        ),
    );
    const beneficiaries = [...new Set((a.escrowAccounts ?? []).map((acc) => acc.beneficiary?.name).filter((n): n is string => !!n))];
    return [
      `  <iati-activity last-updated-datetime="${generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}" xml:lang="en" humanitarian="1">`,
      `   <iati-identifier>${xmlEscape(`${ref}-${a.id}`)}</iati-identifier>`,
      `   <reporting-org ref="${xmlEscape(ref)}" type="${ORGANISATION_TYPE[g.kind] ?? '15'}">${narrative(g.name)}</reporting-org>`,
      `   <title>${narrative(`${g.name}: escrow funding of ${a.title}`)}</title>`,
      `   <description>${narrative(`Funds ${g.name} holds in escrow for ${a.title}, released to the parties against certified milestones${a.currentPhase ? `; the agreement is in phase ${a.currentPhase.name}` : ''}.`)}</description>`,
      `   <participating-org ref="${xmlEscape(ref)}" role="1"${ORGANISATION_TYPE[g.kind] ? ` type="${ORGANISATION_TYPE[g.kind]}"` : ''}>${narrative(g.name)}</participating-org>`,
      ...(a.mediator ? [`   <participating-org role="2">${narrative(a.mediator)}</participating-org>`] : []),
      ...beneficiaries.map((b) => `   <participating-org role="4">${narrative(b)}</participating-org>`),
      `   <activity-status code="${status}"/>`,
      `   <activity-date type="2" iso-date="${isoDate(a.entryIntoForceAt)}"/>`,
      ...commitments,
      ...releases,
      '  </iati-activity>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<iati-activities version="2.03" generated-datetime="${generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}">`,
    ...activities,
    '</iati-activities>',
    '',
  ].join('\n');
}
