/** Reading the README's tables, for the tests that keep them true to the code. */

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 * 1024 };

/** The numbers a cell states, in order: `1,024` → 1024, `64 KiB` → 65536, `5–36` → 5 and 36. */
export function statedNumbers(cell: string): number[] {
  return [...cell.matchAll(/(\d[\d,]*)(?:\s*(KiB|MiB)\b)?/g)].map(([, digits, unit]) => Number(digits!.replace(/,/g, "")) * (unit ? UNITS[unit]! : 1));
}

/** The header cells and the rows' cells of the first table under `## <heading>` (the rule under the header left out). */
export function sectionTable(markdown: string, heading: string): { header: string[]; rows: string[][] } {
  const section = new RegExp(`^## ${heading}\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, "m").exec(markdown)?.[1] ?? "";
  const lines = section.split("\n").filter((line) => line.startsWith("|"));
  const cells = (line: string) => line.slice(1, line.endsWith("|") ? -1 : undefined).split(/(?<!\\)\|/).map((cell) => cell.trim());
  return { header: lines[0] ? cells(lines[0]) : [], rows: lines.slice(2).map(cells) };
}
