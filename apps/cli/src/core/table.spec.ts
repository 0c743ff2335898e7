import { cell, formatRecord, formatTable } from './table.js';

describe('formatTable', () => {
  const columns = [
    { header: 'ID', value: (row: { id: string; name: string | null }) => row.id },
    { header: 'NAME', value: (row: { id: string; name: string | null }) => row.name },
  ];

  it('aligns columns to the widest cell, two spaces apart, without trailing spaces', () => {
    const sut = formatTable(
      [
        { id: 'a', name: 'Acme' },
        { id: 'bbbbbb', name: 'B' },
      ],
      columns,
    );
    expect(sut.split('\n')).toEqual(['ID      NAME', 'a       Acme', 'bbbbbb  B']);
  });

  it('prints only the header for no rows', () => {
    expect(formatTable([], columns)).toBe('ID  NAME');
  });

  it('shows null as -, and counts code points, not UTF-16 units', () => {
    const sut = formatTable(
      [
        { id: '😀x', name: null },
        { id: 'abc', name: 'n' },
      ],
      columns,
    );
    expect(sut.split('\n')).toEqual(['ID   NAME', '😀x   -', 'abc  n']);
  });

  it('keeps a cell on one line and out of the terminal: control characters become ?', () => {
    const sut = formatTable([{ id: 'x', name: 'evil\nname\u001b[31m' }], columns);
    expect(sut.split('\n')).toEqual(['ID  NAME', 'x   evil?name?[31m']);
  });

  it('shows bidirectional formatting characters as ?, so a name cannot reorder what follows it', () => {
    // An override (RLO … PDF), an isolate (RLI … PDI), the marks (LRM, RLM, ALM): each is one `?`.
    const name = 'acme\u202egpj.exe\u202c \u2067x\u2069 \u200e\u200f\u061c';
    expect(formatTable([{ id: 'x', name }], columns).split('\n')).toEqual(['ID  NAME', 'x   acme?gpj.exe? ?x? ???']);
  });
});

describe('cell', () => {
  it('shows objects as JSON, numbers and booleans as text', () => {
    expect(cell({ state: 'synced' })).toBe('{"state":"synced"}');
    expect(cell(3)).toBe('3');
    expect(cell(false)).toBe('false');
    expect(cell(undefined)).toBe('-');
  });
});

describe('formatRecord', () => {
  it('lists fields in the object order with their values', () => {
    expect(formatRecord({ id: 'o1', name: 'Acme', sync: { version: 2 }, archivedAt: null }).split('\n')).toEqual([
      'FIELD       VALUE',
      'id          o1',
      'name        Acme',
      'sync        {"version":2}',
      'archivedAt  -',
    ]);
  });
});
