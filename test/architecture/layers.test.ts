/**
 * Imports point one way. Every folder of src/ (and every file at its top) is a layer, and a layer may import only the
 * layers below it: never a layer above, nor a sibling on its own rank. No two files import each other, directly or
 * round a loop. docs/architecture.md draws the same order.
 */
import { describe, expect, it } from "vitest";
import architecture from "../../docs/architecture.md?raw";
import { importCycles, importGraph, importSpecifiers, resolveImport, SOURCES, type ImportEdge } from "./source-graph";

/** Bottom first. Layers on one rank know nothing of each other. */
export const LAYERS: readonly (readonly string[])[] = [
  ["lib"],
  ["config"],
  ["db"],
  ["access"],
  ["audit"],
  ["qovery"],
  ["store"],
  ["auth"],
  ["connections", "admin"],
  ["syncs"],
  ["triggers", "notifications"],
  ["queue"],
  ["env"],
  ["http"],
  ["console"],
  ["routes"],
  ["app"],
  ["index"],
];

/** `src/syncs/runner.ts` → `syncs`; `src/app.ts` → `app`. */
export function layerOf(file: string): string {
  const [, first, second] = file.split("/");
  return second === undefined ? first!.replace(/\.tsx?$/, "") : first!;
}

/** The imports that break the order, as `from → to (fromLayer → toLayer)`, and the files no rank names. */
export function layerViolations(edges: readonly ImportEdge[], layers: readonly (readonly string[])[]): string[] {
  const rank = new Map(layers.flatMap((names, i) => names.map((name) => [name, i] as const)));
  const problems = new Set<string>();
  for (const { from, to } of edges) {
    const [a, b] = [layerOf(from), layerOf(to)];
    for (const layer of [a, b]) if (!rank.has(layer)) problems.add(`${layer} is in no rank of LAYERS`);
    if (a === b || !rank.has(a) || !rank.has(b)) continue;
    if (rank.get(b)! >= rank.get(a)!) problems.add(`${from} → ${to} (${a} → ${b}${rank.get(b) === rank.get(a) ? ", same rank" : ""})`);
  }
  return [...problems].sort();
}

describe("the source tree", () => {
  const { edges, unresolved } = importGraph(SOURCES);

  it("is read whole: every file, every relative import resolved", () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(100);
    expect(SOURCES["src/index.ts"]).toContain("export default");
    expect(edges.length).toBeGreaterThan(500);
    expect(unresolved).toEqual([]);
  });

  it("has no import against the layer order", () => {
    expect(layerViolations(edges, LAYERS)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it("is layered as docs/architecture.md's table of ranks says", () => {
    const rows = [...architecture.matchAll(/^\| (\d+) \| ([^|]+) \|/gm)].map(([, , cell]) => cell!);
    const ranks = rows.map((cell) => [...cell.matchAll(/`([a-z-]+)(?:\/|\.ts)`/g)].map((m) => m[1]));
    expect(ranks).toEqual(LAYERS);
  });
});

describe("the checks themselves", () => {
  it("find imports of every form, and only imports", () => {
    const text = [
      'import { a } from "./a";',
      "import type {",
      "  B,",
      '} from "../b";',
      'export { c } from "./c.ts";',
      'import "./side-effect";',
      'const lazy = () => import("./lazy");',
      '/** import { no } from "./comment"; */',
      'const s = "import { no } from \'./string\'";',
    ].join("\n");
    expect(importSpecifiers(text).sort()).toEqual(["../b", "./a", "./c.ts", "./lazy", "./side-effect"]);
  });

  it("resolve relative imports to files, and leave packages alone", () => {
    const files = new Set(["src/a.ts", "src/x/b.tsx", "src/x/index.ts"]);
    expect(resolveImport("src/x/b.tsx", "../a", files)).toBe("src/a.ts");
    expect(resolveImport("src/a.ts", "./x/b", files)).toBe("src/x/b.tsx");
    expect(resolveImport("src/a.ts", "./x", files)).toBe("src/x/index.ts");
    expect(resolveImport("src/a.ts", "./gone", files)).toBe("unresolved");
    expect(resolveImport("src/a.ts", "drizzle-orm", files)).toBeNull();
  });

  it("name imports that go up, across a rank, or into an unplaced folder", () => {
    const layers = [["lib"], ["store"], ["triggers", "notifications"], ["app"]];
    const edges = [
      { from: "src/store/a.ts", to: "src/lib/x.ts" },
      { from: "src/app.ts", to: "src/triggers/t.ts" },
      { from: "src/store/a.ts", to: "src/store/b.ts" },
      { from: "src/store/a.ts", to: "src/triggers/t.ts" },
      { from: "src/triggers/t.ts", to: "src/notifications/n.ts" },
      { from: "src/lib/x.ts", to: "src/app.ts" },
      { from: "src/extra/e.ts", to: "src/lib/x.ts" },
    ];
    expect(layerViolations(edges, layers)).toEqual([
      "extra is in no rank of LAYERS",
      "src/lib/x.ts → src/app.ts (lib → app)",
      "src/store/a.ts → src/triggers/t.ts (store → triggers)",
      "src/triggers/t.ts → src/notifications/n.ts (triggers → notifications, same rank)",
    ]);
  });

  it("find cycles of any length, and self-imports", () => {
    const edge = (from: string, to: string) => ({ from, to });
    expect(importCycles([edge("a", "b"), edge("b", "a"), edge("c", "d")])).toEqual([["a", "b"]]);
    expect(importCycles([edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("c", "d"), edge("d", "d")])).toEqual([
      ["a", "b", "c"],
      ["d"],
    ]);
    expect(importCycles([edge("a", "b"), edge("b", "c"), edge("a", "c")])).toEqual([]);
  });
});
