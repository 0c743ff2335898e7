/** One column of a table: its header and how a row shows in it. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
}

/**
 * Aligned columns, a header line first, two spaces between columns, no trailing spaces.
 * Cells are one line: control characters (a newline in a name, a terminal escape) become `?`,
 * so what the API holds can neither break the layout nor drive the terminal. Widths count code
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

/** How a value shows in a cell: null and undefined as `-`, objects as JSON, control characters as `?`. */
export function cell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '-';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else text = JSON.stringify(value) ?? '-';

  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function width(text: string): number {
  return [...text].length;
}
