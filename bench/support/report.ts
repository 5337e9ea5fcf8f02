/** Printing: each part prints its own table as soon as it finishes, to stdout; progress goes to stderr. */

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits);

/** Prints a titled table with the first column left-aligned and the others right-aligned. */
export function printTable(title: string, rows: string[][], notes: string[] = []): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = [`\n${title}\n`];
  for (const [i, row] of rows.entries()) {
    lines.push(
      row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '),
    );
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const note of notes) lines.push(`  ${note}`);
  console.log(lines.join('\n'));
}

/** The value at quantile `q` (0..1) of `values`, nearest-rank. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
