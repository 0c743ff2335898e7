/** One column of a table: its header and how a row shows in it. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
}

/**
 * Aligned columns, a header line first, two spaces between columns, no trailing spaces.
 * Cells are one line: control characters (a newline in a name, a terminal escape) and Unicode's
 * bidirectional formatting characters become `?`, so what the API holds can neither break the
 * layout, drive the terminal, nor reorder what a cell shows. Widths count code
 * points, so East Asian wide characters may misalign (no width table is worth a dependency here).
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = [columns.map((column) => column.header), ...rows.map((row) => columns.map((c) => cell(c.value(row))))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => width(line[index] ?? ''))));
  return cells
    .map((line) =>
      line
        .map((text, index) =>
          index === line.length - 1 ? text : text + ' '.repeat((widths[index] ?? 0) - width(text)),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One object as two columns, field and value, in the object's own order; nested objects as JSON. */
export function formatRecord(record: Record<string, unknown>): string {
  return formatTable(
    Object.entries(record).map(([field, value]) => ({ field, value })),
    [
      { header: 'FIELD', value: (row) => row.field },
      { header: 'VALUE', value: (row) => row.value },
    ],
  );
}

/**
 * C0 and C1 controls (DEL included), and the bidirectional formatting characters of Unicode's
 * UAX #9 §2 (ALM, LRM, RLM, the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069):
 * text that moves what follows it on screen — the "Trojan Source" trick (CVE-2021-42574) — in a name.
 */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * How a value shows in a cell: null and undefined as `-`, objects as JSON, control and bidirectional
 * formatting characters (UNSHOWABLE) as `?`.
 */
export function cell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '-';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else text = JSON.stringify(value) ?? '-';

  return showable(text);
}

/** `text` with each control or bidirectional formatting character (UNSHOWABLE) as `?`: one line, safe to print. */
export function showable(text: string): string {
  return text.replace(UNSHOWABLE, '?');
}

function width(text: string): number {
  return [...text].length;
}
