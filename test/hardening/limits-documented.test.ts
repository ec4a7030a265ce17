/**
 * The README's Limits table states every limit of src/lib/limits.ts, with its value: a limit added, renamed or changed
 * without the table following it fails here. Tests run inside workerd, which has no file system, so the README is
 * bundled as text (vite's `?raw`).
 */
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import * as limits from "../../src/lib/limits";
import { sectionTable, statedNumbers } from "../helpers/markdown";

/**
 * What the Limits table gets wrong about `documented` (name → value): each limit must be named in exactly one row's
 * `constant` cell, whose `limit` cell states one number per constant named, in the same order.
 */
function limitsTableProblems(markdown: string, documented: Record<string, number>): string[] {
  const { header, rows } = sectionTable(markdown, "Limits");
  const [limitColumn, constantColumn] = [header.indexOf("limit"), header.indexOf("constant")];
  if (limitColumn < 0 || constantColumn < 0) return ["README.md has no Limits table with `limit` and `constant` columns"];
  const problems: string[] = [];
  const stated = new Map<string, number[]>();
  for (const row of rows) {
    const names = [...(row[constantColumn] ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    const numbers = statedNumbers(row[limitColumn] ?? "");
    if (names.length && names.length !== numbers.length) {
      problems.push(`${names.join(", ")}: the limit cell "${row[limitColumn]}" states ${numbers.length} of ${names.length} values`);
    }
    names.forEach((name, i) => stated.set(name, [...(stated.get(name) ?? []), numbers[i]!]));
  }
  for (const [name, value] of Object.entries(documented)) {
    const values = stated.get(name) ?? [];
    if (values.length === 0) problems.push(`${name} (${value}) is not in the Limits table`);
    else if (values.length > 1) problems.push(`${name} is in ${values.length} rows of the Limits table`);
    else if (values[0] !== value) problems.push(`${name}: the Limits table says ${values[0]}, src/lib/limits.ts says ${value}`);
  }
  for (const name of stated.keys()) if (!(name in documented)) problems.push(`${name} is in the Limits table but not in src/lib/limits.ts`);
  return problems;
}

describe("the README's Limits table", () => {
  it("states every limit of src/lib/limits.ts, with its value", () => {
    expect(Object.keys(limits).length).toBeGreaterThan(30);
    expect(limitsTableProblems(readme, limits)).toEqual([]);
  });

  it("reads sizes as the table writes them", () => {
    expect(statedNumbers("1 MiB")).toEqual([1024 * 1024]);
    expect(statedNumbers("64 KiB")).toEqual([65_536]);
    expect(statedNumbers("1,024 characters")).toEqual([1024]);
    expect(statedNumbers("5–36 characters")).toEqual([5, 36]);
    expect(statedNumbers("255 / 1,020 characters")).toEqual([255, 1020]);
  });

  it("names each kind of mistake", () => {
    const table = (...rows: string[]) => ["## Limits", "", "| what | limit | constant |", "| --- | --- | --- |", ...rows, "", "## Next"].join("\n");
    const markdown = table("| body | 1 MiB | `MAX_BODY` |", "| key | 500 | `MAX_KEY` |", "| slug | 5–36 | `MIN_SLUG`, `MAX_SLUG` |", "| old | 3 | `MAX_OLD` |");
    expect(limitsTableProblems(markdown, { MAX_BODY: 1024 * 1024, MAX_KEY: 500, MIN_SLUG: 5, MAX_SLUG: 36 })).toEqual([
      "MAX_OLD is in the Limits table but not in src/lib/limits.ts",
    ]);
    expect(limitsTableProblems(markdown, { MAX_BODY: 1024 * 1024, MAX_KEY: 501, MIN_SLUG: 5, MAX_SLUG: 36, MAX_OLD: 3, MAX_NEW: 7 })).toEqual([
      "MAX_KEY: the Limits table says 500, src/lib/limits.ts says 501",
      "MAX_NEW (7) is not in the Limits table",
    ]);
    expect(limitsTableProblems(table("| slug | 36 | `MIN_SLUG`, `MAX_SLUG` |", "| again | 36 | `MAX_SLUG` |"), { MIN_SLUG: 5, MAX_SLUG: 36 })).toEqual([
      'MIN_SLUG, MAX_SLUG: the limit cell "36" states 1 of 2 values',
      "MIN_SLUG: the Limits table says 36, src/lib/limits.ts says 5",
      "MAX_SLUG is in 2 rows of the Limits table",
    ]);
    expect(limitsTableProblems("# no table", {})).toEqual(["README.md has no Limits table with `limit` and `constant` columns"]);
  });
});
