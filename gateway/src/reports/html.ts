/**
 * HTML for the public pages, escaped by construction: every value interpolated into `html` is escaped
 * unless it is itself `Html` (built by `html` or `raw`). Nothing from the graph (a title, a party's name)
 * can become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(part);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Markup this module made itself (an SVG chart), trusted as it is. */
export const raw = (text: string) => new Html(text);

/** Small, self-contained styles: readable on a phone, printable on A4, no fonts or files fetched. */
export const STYLES = `
:root { --ink: #1d232b; --muted: #5b6470; --line: #d7dce2; --met: #1b7f4b; --late: #8a6d00; --missed: #b3261e; --pending: #6b7785; --waived: #4b5fb0; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
p.lede, .muted { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; margin: 1rem 0; }
.fact { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem .8rem; }
.fact b { display: block; font-size: 1.4rem; }
.banner { border-left: .35rem solid var(--missed); background: #fbeceb; padding: .6rem .9rem; margin: 1rem 0; }
.banner.ok { border-color: var(--met); background: #eaf5ee; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.status { font-weight: 600; white-space: nowrap; }
.status-MET { color: var(--met); } .status-MET_LATE { color: var(--late); } .status-MISSED { color: var(--missed); }
.status-PENDING, .status-DUE { color: var(--pending); } .status-WAIVED { color: var(--waived); }
svg.chart { width: 100%; height: auto; max-width: 100%; display: block; margin: .5rem 0; }
svg.chart text { font: 15px system-ui, sans-serif; }
nav a, footer a { color: #1f4fa8; }
nav { margin: .5rem 0 1rem; font-size: .95rem; }
footer { margin: 2rem 0 1rem; font-size: .85rem; color: var(--muted); border-top: 1px solid var(--line); padding-top: .5rem; }
ul.plain { padding-left: 1.1rem; }
@media (max-width: 40rem) { body { font-size: 15px; } main { padding: .6rem; } th, td { padding: .3rem; } }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav, .no-print { display: none; }
  h2 { break-after: avoid; }
  table, svg.chart, .fact { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

/**
 * Who may load what into these pages: nothing from anywhere (no script, no image, no font, no frame),
 * only the inline styles and inline SVG the page holds itself.
 */
export const PUBLIC_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function page(opts: { title: string; lang?: string; body: Html }): string {
  return `<!doctype html>\n${html`<html lang="${opts.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title}</title>
<style>${raw(STYLES)}</style>
</head>
<body><main>${opts.body}</main></body>
</html>`.text}\n`;
}
