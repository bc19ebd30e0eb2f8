/**
 * CSV with HXL hashtags (the Humanitarian Exchange Language, hxlstandard.org): a header row a person
 * reads, then a row of hashtags a tool reads (#date, #org, #event, #indicator…, with +attributes), then
 * the data. RFC 4180 quoting. A cell that a spreadsheet would run as a formula (one starting with =, +,
 * -, @, a tab or a carriage return, "CSV injection") is prefixed with an apostrophe, unless it is a plain
 * number: a party name or a place typed by a reporter must never execute on an analyst's machine.
 */
export interface HxlColumn<R> {
  header: string;
  /** The hashtag with attributes, e.g. "#date +occurred". */
  tag: string;
  value(row: R): string | number | null | undefined;
}

const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?$/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && FORMULA.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function hxlCsv<R>(columns: ReadonlyArray<HxlColumn<R>>, rows: readonly R[]): string {
  const line = (cells: Array<string | number | null | undefined>) => cells.map(csvCell).join(',');
  return [line(columns.map((c) => c.header)), line(columns.map((c) => c.tag)), ...rows.map((r) => line(columns.map((c) => c.value(r))))].join('\r\n') + '\r\n';
}
