/** Plain-text tables for benchmark reports: columns are `{ title, align? }`, cells are strings (or numbers). */
export function formatTable(columns, rows, { indent = "  " } = {}) {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? "" : String(cell))));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values) =>
    indent +
    values
      .map((value, i) => {
        const column = columns[i];
        if (column.separator) return "│";
        return column.align === "left" ? value.padEnd(widths[i]) : value.padStart(widths[i]);
      })
      .join(" ")
      .trimEnd();
  const header = line(columns.map((c) => (c.separator ? "│" : c.title)));
  const rule = indent + columns.map((c, i) => (c.separator ? "┼" : "─".repeat(widths[i]))).join("─");
  return [header, rule, ...cells.map((row) => line(row))].join("\n");
}

/** A number with a fixed number of decimals, or "n/a". */
export const fixed = (value, digits = 1) => (value === null || value === undefined || Number.isNaN(value) ? "n/a" : value.toFixed(digits));

/** A ratio a/b as "0.25×", or "n/a". */
export const ratio = (a, b) => {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return "n/a";
  const r = a / b;
  if (r > 0 && r < 0.001) return "<0.001×";
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)}×`;
};

export const mb = (bytes) => (bytes === null || bytes === undefined ? null : bytes / (1024 * 1024));
