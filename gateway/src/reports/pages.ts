import { html, page, raw, type Html } from './html.js';
import { addWeeks, formatIsoWeek, isoWeekOf, weekRange, type IsoWeek } from './iso-week.js';
import { barChart, cumulativeSteps, stackedBars } from './svg.js';

/**
 * The public pages (DESIGN §12): pure functions from what the graph answered a PUBLIC caller to HTML.
 * Routes and fetching are in routes.ts; everything shown here came from a published operation.
 */

const DAY = 86_400_000;

export interface PartyScore {
  party: { name: string };
  met: number;
  metLate: number;
  missed: number;
  pending: number;
  waived: number;
  score?: number | null;
}

export interface AgreementSummary {
  id: string;
  title: string;
  entryIntoForceAt: string;
  currentDay: number;
  currentPhase: { name: string } | null;
  parties: Array<{ name: string }>;
  scorecard: Array<Omit<PartyScore, 'party' | 'score'>> | null;
}

export interface DeliveryDay {
  date: string;
  convoys: number;
  trucks: number;
  tonnes: number;
}

export interface SnapBack {
  active: boolean;
  triggeredAt: string | null;
  reason: string | null;
}

export interface AgreementPage {
  id: string;
  title: string;
  mediator: string | null;
  entryIntoForceAt: string;
  currentDay: number;
  currentPhase: { ordinal: number; name: string } | null;
  parties: Array<{ name: string; kind: string }>;
  quietHours: number | null;
  snapBack: SnapBack | null;
  scorecard: PartyScore[];
  milestones: Array<{ title: string; dueDay: number; dueAt: string; status: string; obligatedParty: { name: string }; phase: { ordinal: number } }>;
  deliveriesByDay: DeliveryDay[] | null;
  verifiedMaterialViolationTimes: string[] | null;
}

export interface BulletinData {
  id: string;
  title: string;
  entryIntoForceAt: string;
  currentDay: number;
  parties: Array<{ name: string }>;
  quietHours: number | null;
  snapBack: SnapBack | null;
  scorecard: PartyScore[];
  milestones: Array<{
    title: string;
    dueDay: number;
    dueAt: string;
    status: string;
    obligatedParty: { name: string };
    certifications: Array<{ metAt: string; recordedAt: string; verifier: string }>;
    waivers: Array<{ waivedAt: string }>;
    tranches: Array<{ status: string | null; amount: { amount: string; currency: string }; released: { amount: string; currency: string }; release: { releasedAt: string } | null }> | null;
  }>;
  deliveriesByDay: DeliveryDay[] | null;
  deliveries: { convoys: number; trucks: number; tonnes: number } | null;
  verifiedViolations: number | null;
  materialViolations: number | null;
  verifiedMaterialViolationTimes: string[] | null;
  disputeActivity: { filed: number; ruled: number; breachesConfirmed: number; escalated: number };
}

const STATUS_WORDS: Record<string, string> = { MET: 'Met', MET_LATE: 'Met late', MISSED: 'Missed', PENDING: 'Pending', DUE: 'Due today', WAIVED: 'Waived' };
const statusCell = (s: string) => html`<span class="status status-${s}">${STATUS_WORDS[s] ?? s}</span>`;
const day = (iso: string) => iso.slice(0, 10);
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 1 });
const pageUrl = (id: string) => `/public/agreements/${encodeURIComponent(id)}`;
const bulletinUrl = (id: string, w: IsoWeek) => `${pageUrl(id)}/bulletin/${formatIsoWeek(w)}`;

/** The four outcomes a scorecard shows, in the colours of the page's status words. */
const SCORE_SEGMENTS = [
  { key: 'met', name: 'met', color: '#1b7f4b' },
  { key: 'metLate', name: 'met late', color: '#8a6d00' },
  { key: 'missed', name: 'missed', color: '#b3261e' },
  { key: 'pending', name: 'pending', color: '#6b7785' },
  { key: 'waived', name: 'waived', color: '#4b5fb0' },
] as const;

const scoreRows = (scorecard: readonly PartyScore[]) =>
  scorecard.map((s) => ({ label: s.party.name, segments: SCORE_SEGMENTS.map((g) => ({ name: g.name, value: s[g.key], color: g.color })) }));

function notices(unavailable: string[]): Html {
  return html`${unavailable.map((u) => html`<p class="banner" role="status">${u}</p>`)}`;
}

function footer(generatedAt: Date, extra?: Html): Html {
  return html`<footer>
<p>Built at ${when(generatedAt.toISOString())} from what anyone may read in the treaty graph (the PUBLIC role): no personal data, nothing a partner agency keeps to itself. ${extra ?? ''}</p>
<p><a href="/public/">All agreements</a></p>
</footer>`;
}

function snapBackBanner(s: SnapBack | null): Html {
  if (!s) return html``;
  return s.active
    ? html`<p class="banner" role="status"><strong>Snap-back in force</strong> since ${s.triggeredAt ? when(s.triggeredAt) : 'an earlier moment'}: ${s.reason ?? ''}</p>`
    : html`<p class="banner ok">No snap-back in force.</p>`;
}

export function renderIndex(agreements: AgreementSummary[], generatedAt: Date, unavailable: string[] = []): string {
  const rows = agreements.map((a) => {
    const t = (a.scorecard ?? []).reduce((s, p) => ({ met: s.met + p.met + p.metLate, missed: s.missed + p.missed, pending: s.pending + p.pending }), { met: 0, missed: 0, pending: 0 });
    return html`<tr><td><a href="${pageUrl(a.id)}">${a.title}</a></td><td>${a.parties.map((p) => p.name).join(', ')}</td><td class="num">${a.currentDay}</td><td>${a.currentPhase?.name ?? '—'}</td><td class="num">${t.met}</td><td class="num">${t.missed}</td><td class="num">${t.pending}</td></tr>`;
  });
  const body = html`<h1>Ceasefire and peace agreements</h1>
<p class="lede">Where each agreement's milestones stand today, from the joint verification record.</p>
${notices(unavailable)}
${agreements.length ? html`<div class="scroll"><table>
<thead><tr><th>Agreement</th><th>Parties</th><th class="num">Day</th><th>Phase</th><th class="num">Met</th><th class="num">Missed</th><th class="num">Pending</th></tr></thead>
<tbody>${rows}</tbody></table></div>` : html`<p>No agreement is on record yet.</p>`}
${footer(generatedAt)}`;
  return page({ title: 'Agreements: public scorecards', body });
}

export function renderAgreement(a: AgreementPage, window: { from: Date; until: Date }, generatedAt: Date, unavailable: string[] = []): string {
  const week = isoWeekOf(generatedAt);
  const scores = scoreRows(a.scorecard);
  const behind = [...a.scorecard].sort((x, y) => y.missed - x.missed || (x.score ?? 1) - (y.score ?? 1))[0];
  const deliveries = a.deliveriesByDay ?? [];
  const trucks = deliveries.reduce((s, d) => s + d.trucks, 0);
  const violations = (a.verifiedMaterialViolationTimes ?? []).map((t) => new Date(t));
  const body = html`<nav><a href="/public/">All agreements</a> · <a href="${bulletinUrl(a.id, week)}">This week's bulletin (${formatIsoWeek(week)})</a></nav>
<h1>${a.title}</h1>
<p class="lede">Between ${a.parties.map((p) => p.name).join(' and ')}${a.mediator ? html`, mediated by ${a.mediator}` : ''}. In force since ${day(a.entryIntoForceAt)}: today is Day ${a.currentDay}${a.currentPhase ? html`, in phase ${a.currentPhase.ordinal} (${a.currentPhase.name})` : ''}.</p>
${notices(unavailable)}
${snapBackBanner(a.snapBack)}
<div class="facts">
<div class="fact">Quiet hours<b>${a.quietHours === null ? '—' : fmt(a.quietHours)}</b><span class="muted">since the last verified material violation</span></div>
<div class="fact">Milestones met<b>${a.scorecard.reduce((s, p) => s + p.met + p.metLate, 0)} of ${a.milestones.length}</b><span class="muted">${a.scorecard.reduce((s, p) => s + p.missed, 0)} missed</span></div>
<div class="fact">Trucks delivered<b>${fmt(trucks)}</b><span class="muted">${day(window.from.toISOString())} to ${day(new Date(window.until.getTime() - 1).toISOString())}</span></div>
<div class="fact">Verified material violations<b>${a.verifiedMaterialViolationTimes === null ? '—' : violations.length}</b><span class="muted">since entry into force</span></div>
</div>

<h2 id="scorecard">Who is behind: milestones by party</h2>
${behind && behind.missed > 0 ? html`<p>Most milestones missed: <strong>${behind.party.name}</strong> (${behind.missed}).</p>` : html`<p>No party has missed a milestone.</p>`}
${raw(stackedBars({ title: 'Milestones of each party by outcome', rows: scores }))}
<div class="scroll"><table><thead><tr><th>Party</th><th class="num">Met</th><th class="num">Met late</th><th class="num">Missed</th><th class="num">Pending</th><th class="num">Waived</th><th class="num">Score</th></tr></thead>
<tbody>${a.scorecard.map((s) => html`<tr><td>${s.party.name}</td><td class="num">${s.met}</td><td class="num">${s.metLate}</td><td class="num">${s.missed}</td><td class="num">${s.pending}</td><td class="num">${s.waived}</td><td class="num">${s.score === null || s.score === undefined ? '—' : `${Math.round(s.score * 100)} %`}</td></tr>`)}</tbody></table></div>

<h2 id="milestones">Milestones</h2>
<div class="scroll"><table><thead><tr><th>Milestone</th><th>Party</th><th class="num">Due day</th><th>Due</th><th>Status</th></tr></thead>
<tbody>${a.milestones.map((m) => html`<tr><td>${m.title}</td><td>${m.obligatedParty.name}</td><td class="num">${m.dueDay}</td><td>${day(m.dueAt)}</td><td>${statusCell(m.status)}</td></tr>`)}</tbody></table></div>

<h2 id="deliveries">Deliveries per day</h2>
${a.deliveriesByDay === null ? html`<p>Deliveries are not available right now.</p>` : raw(barChart({ title: 'Trucks delivered per day', unit: 'trucks', bars: deliveries.map((d) => ({ label: d.date.slice(5), value: d.trucks })) }))}
${deliveries.length ? html`<details><summary>The figures, day by day</summary><div class="scroll"><table><thead><tr><th>Day</th><th class="num">Convoys</th><th class="num">Trucks</th><th class="num">Tonnes</th></tr></thead>
<tbody>${deliveries.map((d) => html`<tr><td>${d.date}</td><td class="num">${d.convoys}</td><td class="num">${d.trucks}</td><td class="num">${fmt(d.tonnes)}</td></tr>`)}</tbody></table></div></details>` : ''}

<h2 id="violations">Verified material violations over time</h2>
${a.verifiedMaterialViolationTimes === null ? html`<p>Violations are not available right now.</p>` : raw(cumulativeSteps({ title: 'Verified material violations since entry into force, in all', unit: 'verified material violations', times: violations, from: new Date(a.entryIntoForceAt), until: generatedAt }))}
${violations.length ? html`<ul class="plain">${violations.map((v) => html`<li>${when(v.toISOString())}</li>`)}</ul>` : html`<p>None verified since entry into force.</p>`}
${footer(generatedAt, html`Weekly bulletins: <a href="${bulletinUrl(a.id, addWeeks(week, -1))}">last week</a>, <a href="${bulletinUrl(a.id, week)}">this week</a>.`)}`;
  return page({ title: `${a.title}: public scorecard`, body });
}

export function renderBulletin(b: BulletinData, week: IsoWeek, generatedAt: Date, unavailable: string[] = []): string {
  const { from, until } = weekRange(week);
  const inWeek = (iso: string | null | undefined) => !!iso && Date.parse(iso) >= from.getTime() && Date.parse(iso) < until.getTime();
  const due = b.milestones.filter((m) => inWeek(m.dueAt));
  // Met when the verifier found it met (metAt), which may be before the finding was recorded.
  const met = b.milestones.flatMap((m) => m.certifications.filter((c) => inWeek(c.metAt)).map((c) => ({ m, c })));
  const missed = due.filter((m) => m.status === 'MISSED');
  const waived = b.milestones.flatMap((m) => m.waivers.filter((w) => inWeek(w.waivedAt)).map((w) => ({ m, w })));
  const released = b.milestones.flatMap((m) => (m.tranches ?? []).filter((t) => inWeek(t.release?.releasedAt)).map((t) => ({ m, t })));
  // The graph's days run to the one holding `until` (next Monday 00:00): keep the seven of the week.
  const deliveries = (b.deliveriesByDay ?? []).filter((x) => inWeek(`${x.date}T00:00:00.000Z`));
  const violations = (b.verifiedMaterialViolationTimes ?? []).map((t) => new Date(t));
  const d = b.disputeActivity;
  const lastDay = new Date(until.getTime() - DAY);
  const body = html`<nav><a href="${pageUrl(b.id)}">${b.title}</a> · <a href="${bulletinUrl(b.id, addWeeks(week, -1))}">Previous week</a> · <a href="${bulletinUrl(b.id, addWeeks(week, 1))}">Next week</a></nav>
<h1>Weekly bulletin ${formatIsoWeek(week)}</h1>
<p class="lede">${b.title}: Monday ${day(from.toISOString())} to Sunday ${day(lastDay.toISOString())}${until.getTime() > generatedAt.getTime() ? html` (the week is not over: figures up to ${when(generatedAt.toISOString())})` : ''}.</p>
${notices(unavailable)}
${snapBackBanner(b.snapBack)}
<div class="facts">
<div class="fact">Due<b>${due.length}</b><span class="muted">milestones</span></div>
<div class="fact">Met<b>${met.length}</b><span class="muted">as certified</span></div>
<div class="fact">Missed<b>${missed.length}</b><span class="muted">of those due</span></div>
<div class="fact">Released<b>${released.length}</b><span class="muted">tranches</span></div>
<div class="fact">Delivered<b>${b.deliveries ? fmt(b.deliveries.trucks) : '—'}</b><span class="muted">trucks, ${b.deliveries ? b.deliveries.convoys : '—'} convoys</span></div>
<div class="fact">Verified<b>${b.verifiedViolations ?? '—'}</b><span class="muted">violations, ${b.materialViolations ?? '—'} material</span></div>
<div class="fact">Disputed<b>${d.filed}</b><span class="muted">filed, ${d.escalated} escalated</span></div>
<div class="fact">Ruled<b>${d.ruled}</b><span class="muted">${d.breachesConfirmed} breaches confirmed</span></div>
</div>

<h2>Where each party stands</h2>
${raw(stackedBars({ title: 'Milestones of each party by outcome, as of now', rows: scoreRows(b.scorecard) }))}

<h2>Due this week</h2>
${due.length ? html`<div class="scroll"><table><thead><tr><th>Milestone</th><th>Party</th><th>Due</th><th>Status</th></tr></thead><tbody>${due.map((m) => html`<tr><td>${m.title}</td><td>${m.obligatedParty.name}</td><td>${when(m.dueAt)}</td><td>${statusCell(m.status)}</td></tr>`)}</tbody></table></div>` : html`<p>No milestone fell due this week.</p>`}

<h2>Met, missed and waived</h2>
<ul class="plain">
${met.map(({ m, c }) => html`<li><strong>Met</strong>: ${m.title} (${m.obligatedParty.name}) on ${day(c.metAt)}${c.metAt < m.dueAt ? '' : ', late'}, as certified by ${c.verifier} on ${day(c.recordedAt)}.</li>`)}
${missed.map((m) => html`<li><strong>Missed</strong>: ${m.title} (${m.obligatedParty.name}), due ${when(m.dueAt)}.</li>`)}
${waived.map(({ m, w }) => html`<li><strong>Waived</strong>: ${m.title} (${m.obligatedParty.name}), on ${day(w.waivedAt)}.</li>`)}
${met.length + missed.length + waived.length === 0 ? html`<li>Nothing was certified, missed or waived this week.</li>` : ''}
</ul>

<h2>Released</h2>
${released.length ? html`<ul class="plain">${released.map(({ m, t }) => html`<li>${t.released.amount} ${t.released.currency} for ${m.title} (of ${t.amount.amount} ${t.amount.currency} held), released ${when(t.release!.releasedAt)}.</li>`)}</ul>` : html`<p>No tranche was released this week.</p>`}

<h2>Delivered</h2>
${b.deliveriesByDay === null ? html`<p>Deliveries are not available right now.</p>` : raw(barChart({ title: 'Trucks delivered per day this week', unit: 'trucks', bars: deliveries.map((x) => ({ label: x.date.slice(5), value: x.trucks })) }))}
${deliveries.length ? html`<div class="scroll"><table><thead><tr><th>Day</th><th class="num">Convoys</th><th class="num">Trucks</th><th class="num">Tonnes</th></tr></thead><tbody>${deliveries.map((x) => html`<tr><td>${x.date}</td><td class="num">${x.convoys}</td><td class="num">${x.trucks}</td><td class="num">${fmt(x.tonnes)}</td></tr>`)}</tbody></table></div>` : ''}

<h2>Verified violations</h2>
<p>${b.verifiedViolations ?? '—'} incidents occurring this week were verified as violations, ${b.materialViolations ?? '—'} of them material. Quiet hours now: ${b.quietHours === null ? '—' : fmt(b.quietHours)}.</p>
${b.verifiedMaterialViolationTimes === null ? '' : raw(cumulativeSteps({ title: 'Verified material violations since entry into force, in all', unit: 'verified material violations', times: violations, from: new Date(b.entryIntoForceAt), until: until.getTime() < generatedAt.getTime() ? until : generatedAt }))}

<h2>Disputed and ruled</h2>
<p>${d.filed} disputes filed, ${d.escalated} moved up the dispute ladder when a deadline passed, ${d.ruled} ruled on (${d.breachesConfirmed} confirming a breach). The disputes themselves are for partner agencies.</p>
${footer(generatedAt)}`;
  return page({ title: `${b.title}: bulletin ${formatIsoWeek(week)}`, body });
}

export function renderProblem(status: number, title: string, message: string, generatedAt: Date): string {
  return page({ title, body: html`<h1>${title}</h1><p>${message}</p>${footer(generatedAt)}` });
}
