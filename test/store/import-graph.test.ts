/** The import graph one read walks, in memory: how far it reaches (and its cap), and merging each folder once. */
import { describe, expect, it } from "vitest";
import { MAX_IMPORT_DEPTH, MAX_IMPORTED_FOLDERS_PER_READ } from "../../src/lib/limits";
import { importMerger } from "../../src/store/import-precedence";
import { ProjectTree, type FolderRow, type SecretImportRow } from "../../src/store/project-tree";

const NOW = "2026-01-01T00:00:00.000Z";
const ENV = { id: "env-dev", projectId: "p", name: "Development", slug: "dev", position: 1, createdAt: NOW, updatedAt: NOW };

const folder = (name: string): FolderRow => ({
  id: `id-${name}`,
  projectId: "p",
  environmentId: ENV.id,
  parentId: null,
  name,
  path: `/${name}`,
  description: null,
  version: 1,
  changeCounter: 0,
  lastSecretModified: null,
  createdAt: NOW,
  updatedAt: NOW,
});

/** A project of folders `/<name>` and imports `[from, to]` (position = order of appearance per folder). */
function tree(edges: [string, string][], extraFolders: string[] = []): ProjectTree {
  const names = new Set([...edges.flat(), ...extraFolders]);
  const positions = new Map<string, number>();
  const imports: SecretImportRow[] = edges.map(([from, to], i) => {
    positions.set(from, (positions.get(from) ?? 0) + 1);
    const position = positions.get(from)!;
    return { id: `import-${i}`, projectId: "p", folderId: `id-${from}`, importEnvironmentId: ENV.id, importPath: `/${to}`, position, isReplication: false, version: 1, createdAt: NOW, updatedAt: NOW };
  });
  return new ProjectTree("p", [ENV], [...names].map(folder), imports);
}

/** `root` imports S0…S(n-1) directly. */
const star = (n: number): [string, string][] => Array.from({ length: n }, (_, i) => ["root", `S${i}`]);

describe("import reach", () => {
  for (const reached of [MAX_IMPORTED_FOLDERS_PER_READ - 1, MAX_IMPORTED_FOLDERS_PER_READ]) {
    it(`follows imports reaching ${reached} folders`, () => {
      expect(tree(star(reached)).importReach("id-root").folders).toHaveLength(reached);
    });
  }

  it(`refuses a read reaching ${MAX_IMPORTED_FOLDERS_PER_READ + 1} folders, naming the folder and the limit`, () => {
    expect(() => tree(star(MAX_IMPORTED_FOLDERS_PER_READ + 1)).importReach("id-root")).toThrow(
      `Folder '/root' in environment 'dev' reaches more than ${MAX_IMPORTED_FOLDERS_PER_READ} folders through its secret imports ` +
        "(the limit for one read); remove some of its imports or theirs",
    );
  });

  it("counts a folder reached by several paths once", () => {
    // Five hubs each importing the same 90 folders: 95 folders, 455 import edges.
    const shared = Array.from({ length: 90 }, (_, i) => `S${i}`);
    const hubs = ["H0", "H1", "H2", "H3", "H4"];
    const edges: [string, string][] = [...hubs.map((h): [string, string] => ["root", h]), ...hubs.flatMap((h) => shared.map((s): [string, string] => [h, s]))];
    expect(tree(edges).importReach("id-root").folders).toHaveLength(95);
  });

  it("follows each folder from where it is nearest, so a long path cannot hide what a short one brings", () => {
    // root → C1 → … → C10 reaches NEAR at the depth cap; root also imports NEAR directly, and NEAR imports FAR.
    const chain: [string, string][] = Array.from({ length: MAX_IMPORT_DEPTH - 1 }, (_, i) => [i ? `C${i}` : "root", `C${i + 1}`]);
    const edges: [string, string][] = [...chain, [`C${MAX_IMPORT_DEPTH - 1}`, "NEAR"], ["root", "NEAR"], ["NEAR", "FAR"]];
    const reach = tree(edges).importReach("id-root");
    expect(reach.hops.get("id-NEAR")).toBe(1);
    expect(reach.hops.get("id-FAR")).toBe(2);
  });

  it(`follows imports of folders fewer than ${MAX_IMPORT_DEPTH} hops away`, () => {
    const chain: [string, string][] = Array.from({ length: MAX_IMPORT_DEPTH + 1 }, (_, i) => [i ? `C${i}` : "root", `C${i + 1}`]);
    const reach = tree(chain).importReach("id-root");
    expect(reach.folders.map((f) => f.name)).toEqual(Array.from({ length: MAX_IMPORT_DEPTH }, (_, i) => `C${i + 1}`));
  });

  it("finds a folder's importers, nested ones included, and no one else", () => {
    const t = tree([["A", "B"], ["C", "B"], ["B", "S"], ["D", "A"], ["S", "T"], ["E", "T"]], ["LONE"]);
    expect(t.importersOf(t.folderById("id-S")!).map((f) => f.name).sort()).toEqual(["A", "B", "C", "D", "S"]);
  });

  it("checks a change on a copy: withImport leaves the tree itself alone", () => {
    const before = tree(star(1), ["NEW"]);
    const row = { ...before.importsOf("id-root")[0]!, id: "import-new", importPath: "/NEW", position: 2 };
    expect(before.withImport(row).importReach("id-root").folders.map((f) => f.name)).toEqual(["S0", "NEW"]);
    expect(before.importReach("id-root").folders.map((f) => f.name)).toEqual(["S0"]);
  });
});

describe("merging imports once per folder", () => {
  /** An import graph over plain data that counts how often each folder's own items are read. */
  function graph(imports: Record<string, (string | undefined)[]>, own: Record<string, { key: string; from: string }[]>) {
    const reads = new Map<string, number>();
    const merge = importMerger({
      own: (id) => {
        reads.set(id, (reads.get(id) ?? 0) + 1);
        return own[id] ?? [];
      },
      importsOf: (id) => imports[id] ?? [],
    });
    return { merge, reads };
  }

  it("merges a lattice of diamonds (2^20 paths) reading each of its 41 folders once", () => {
    const imports: Record<string, string[]> = { root: ["L0a", "L0b"] };
    const own: Record<string, { key: string; from: string }[]> = {};
    for (let level = 0; level < 20; level++) {
      for (const side of ["a", "b"]) {
        const id = `L${level}${side}`;
        imports[id] = level < 19 ? [`L${level + 1}a`, `L${level + 1}b`] : [];
        own[id] = [{ key: id, from: id }, { key: "SHARED", from: id }];
      }
    }
    const { merge, reads } = graph(imports, own);
    const merged = merge("root");
    expect(merged).toHaveLength(41);
    // The last import wins among imports: L0b brings its own SHARED over everything below it.
    expect(merged.find((item) => item.key === "SHARED")).toEqual({ key: "SHARED", from: "L0b" });
    expect(reads.size).toBe(41);
    expect([...reads.values()].every((count) => count === 1)).toBe(true);
  });

  it("is cycle-safe: a folder met again while it is being merged brings nothing more", () => {
    const { merge } = graph({ A: ["B"], B: ["A", undefined] }, { A: [{ key: "K", from: "A" }], B: [{ key: "K", from: "B" }, { key: "ONLY_B", from: "B" }] });
    expect(merge("A")).toEqual([{ key: "K", from: "A" }, { key: "ONLY_B", from: "B" }]);
  });
});
