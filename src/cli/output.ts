/**
 * Printing for the CLI: aligned columns and indented key/value blocks for people, `--json` for
 * programs. Dates print as ISO 8601 in both.
 */
type Options = { json?: boolean | undefined };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** One value as a table cell or a line: ISO dates, empty for null, lists joined, objects as JSON. */
function cell(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.every((x) => !isPlainObject(x)) ? v.map(cell).join(', ') : `(${v.length})`;
  if (isPlainObject(v)) return Object.keys(v).length ? JSON.stringify(v) : '';
  // A line break inside a cell would break the columns.
  return String(v).replace(/\s*\n\s*/g, ' ');
}

function tableLines(rows: Record<string, unknown>[]): string[] {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ];
}

export function printRows(rows: Record<string, unknown>[], options: Options): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(rows.length ? `${tableLines(rows).join('\n')}\n` : '(none)\n');
}

/** `key  value` lines with aligned values; nested objects indent, lists of objects become tables. */
function objectLines(value: Record<string, unknown>, indent: string): string[] {
  const keys = Object.keys(value);
  const width = Math.max(0, ...keys.map((k) => k.length));
  const lines: string[] = [];
  for (const key of keys) {
    const v = value[key];
    if (Array.isArray(v) && v.length && v.every(isPlainObject)) {
      lines.push(`${indent}${key}:`, ...tableLines(v).map((l) => `${indent}  ${l}`));
    } else if (isPlainObject(v) && Object.keys(v).length) {
      lines.push(`${indent}${key}:`, ...objectLines(v, `${indent}  `));
    } else if (typeof v === 'string' && v.includes('\n')) {
      lines.push(`${indent}${key}:`, ...v.split('\n').map((l) => `${indent}  ${l}`.trimEnd()));
    } else {
      lines.push(`${indent}${key.padEnd(width)}  ${cell(v)}`.trimEnd());
    }
  }
  return lines;
}

export function printObject(value: unknown, options: Options): void {
  if (options.json || !isPlainObject(value)) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${objectLines(value, '').join('\n')}\n`);
}
