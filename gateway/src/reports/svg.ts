import { escapeHtml } from './html.js';

/**
 * Charts as small inline SVG, drawn here rather than by a charting library: three shapes are all the
 * pages need, each a few dozen elements, rendered on the server with no script, font or file to load,
 * so a page works offline, on a phone and on paper. Every chart carries a <title> and <desc> for screen
 * readers, and the page puts the same numbers in a table beside it; colour is never the only signal
 * (bars are labelled with their values, segments with their counts).
 */

const MUTED = '#5b6470';
const GRID = '#d7dce2';

let counter = 0;
/** Ids unique within a page, for aria-labelledby. */
const nextId = () => `chart-${(counter = (counter + 1) % 1_000_000)}`;

function frame(width: number, height: number, title: string, desc: string, body: string): string {
  const id = nextId();
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">${escapeHtml(title)}</title><desc id="${id}-d">${escapeHtml(desc)}</desc>${body}</svg>`
  );
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en') : n.toLocaleString('en', { maximumFractionDigits: 1 }));

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

/** Gridlines at 0, half and the top, the half only where it is a whole number (these are counts). */
const ticks = (max: number) => (Number.isInteger(max / 2) ? [0, 0.5, 1] : [0, 1]);

export interface Bar {
  label: string;
  value: number;
}

/** Vertical bars (deliveries per day): labels under every few bars, the value over each non-zero bar. */
export function barChart(opts: { title: string; unit: string; bars: readonly Bar[]; color?: string }): string {
  const bars = opts.bars;
  const width = 640;
  const height = 220;
  const left = 40;
  const bottom = 36;
  const top = 18;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const step = bars.length ? plotW / bars.length : plotW;
  const barW = Math.max(1, step * 0.7);
  // Few enough day labels to stay legible when a phone shrinks the chart to its width.
  const every = Math.max(1, Math.ceil(bars.length / 7));
  let body = '';
  for (const f of ticks(max)) {
    const y = top + plotH - f * plotH;
    body += `<line x1="${left}" x2="${width - 8}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${GRID}"/>`;
    body += `<text x="${left - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="${MUTED}">${fmt(max * f)}</text>`;
  }
  bars.forEach((b, i) => {
    const h = max ? (Math.max(0, b.value) / max) * plotH : 0;
    const x = left + i * step + (step - barW) / 2;
    const y = top + plotH - h;
    body += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${opts.color ?? '#2f6db5'}"><title>${escapeHtml(`${b.label}: ${fmt(b.value)} ${opts.unit}`)}</title></rect>`;
    if (b.value > 0 && bars.length <= 16) body += `<text x="${(x + barW / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle">${fmt(b.value)}</text>`;
    if (i % every === 0) body += `<text x="${(x + barW / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" fill="${MUTED}">${escapeHtml(b.label)}</text>`;
  });
  const total = bars.reduce((s, b) => s + b.value, 0);
  const desc = bars.length ? `${fmt(total)} ${opts.unit} over ${bars.length} days, at most ${fmt(Math.max(...bars.map((b) => b.value)))} in a day.` : 'No data.';
  return frame(width, height, opts.title, desc, body);
}

export interface Segment {
  name: string;
  value: number;
  color: string;
}

/** One horizontal stacked bar per row (each party's milestones by status), counts written in the segments. */
export function stackedBars(opts: { title: string; rows: ReadonlyArray<{ label: string; segments: readonly Segment[] }> }): string {
  const width = 640;
  const rowH = 30;
  const labelW = 210;
  const legendH = 26;
  const height = legendH + opts.rows.length * (rowH + 8) + 4;
  const plotW = width - labelW - 10;
  const max = Math.max(1, ...opts.rows.map((r) => r.segments.reduce((s, g) => s + g.value, 0)));
  let body = '';
  const names = opts.rows[0]?.segments ?? [];
  let lx = labelW;
  for (const g of names) {
    body += `<rect x="${lx}" y="4" width="12" height="12" fill="${g.color}"/><text x="${lx + 16}" y="14">${escapeHtml(g.name)}</text>`;
    lx += 16 + g.name.length * 8 + 18;
  }
  opts.rows.forEach((r, i) => {
    const y = legendH + i * (rowH + 8);
    const label = r.label.length > 24 ? `${r.label.slice(0, 23)}…` : r.label;
    body += `<text x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeHtml(label)}</text>`;
    let x = labelW;
    for (const g of r.segments) {
      if (g.value <= 0) continue;
      const w = (g.value / max) * plotW;
      body += `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH}" fill="${g.color}"><title>${escapeHtml(`${r.label}: ${g.value} ${g.name}`)}</title></rect>`;
      if (w >= 16) body += `<text x="${(x + w / 2).toFixed(1)}" y="${y + rowH / 2 + 4}" text-anchor="middle" fill="#fff">${g.value}</text>`;
      x += w;
    }
  });
  const desc = opts.rows.map((r) => `${r.label}: ${r.segments.map((g) => `${g.value} ${g.name}`).join(', ')}`).join('; ') || 'No data.';
  return frame(width, height, opts.title, desc, body);
}

/** A step line of a running count over time (verified material violations since entry into force). */
export function cumulativeSteps(opts: { title: string; unit: string; times: readonly Date[]; from: Date; until: Date }): string {
  const width = 640;
  const height = 200;
  const left = 40;
  const top = 14;
  const bottom = 34;
  const plotW = width - left - 12;
  const plotH = height - top - bottom;
  const from = opts.from.getTime();
  const until = Math.max(opts.until.getTime(), from + 1);
  const times = opts.times.map((t) => t.getTime()).filter((t) => t >= from && t <= until).sort((a, b) => a - b);
  const max = niceMax(times.length);
  const x = (t: number) => left + ((t - from) / (until - from)) * plotW;
  const y = (n: number) => top + plotH - (n / max) * plotH;
  let body = '';
  for (const f of ticks(max)) {
    body += `<line x1="${left}" x2="${width - 12}" y1="${y(max * f).toFixed(1)}" y2="${y(max * f).toFixed(1)}" stroke="${GRID}"/>`;
    body += `<text x="${left - 4}" y="${(y(max * f) + 4).toFixed(1)}" text-anchor="end" fill="${MUTED}">${fmt(max * f)}</text>`;
  }
  let d = `M${x(from).toFixed(1)},${y(0).toFixed(1)}`;
  times.forEach((t, i) => (d += ` H${x(t).toFixed(1)} V${y(i + 1).toFixed(1)}`));
  d += ` H${x(until).toFixed(1)}`;
  body += `<path d="${d}" fill="none" stroke="#b3261e" stroke-width="2.5"/>`;
  times.forEach((t, i) => (body += `<circle cx="${x(t).toFixed(1)}" cy="${y(i + 1).toFixed(1)}" r="3.5" fill="#b3261e"><title>${escapeHtml(`${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${i + 1} in all`)}</title></circle>`));
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  body += `<text x="${left}" y="${height - 10}" fill="${MUTED}">${day(from)}</text><text x="${width - 12}" y="${height - 10}" text-anchor="end" fill="${MUTED}">${day(until)}</text>`;
  const desc = `${times.length} ${opts.unit} between ${day(from)} and ${day(until)}${times.length ? `, the last on ${day(times.at(-1)!)}` : ''}.`;
  return frame(width, height, opts.title, desc, body);
}
