/**
 * The Worker's own source files as text, and the imports between them. Tests run inside workerd, which has no file
 * system, so vite bundles every file under src/ as a string (`?raw`). Imports are found by a small parser over the
 * text, which is enough for this codebase's style: static `import … from`, `export … from`, side-effect imports and
 * `import("…")`, type-only imports included (they couple modules as much as any other).
 */

/** Every `src/**` TypeScript file, by its path from the repository root (`src/syncs/runner.ts`). */
export const SOURCES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(import.meta.glob<string>("/src/**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true })).map(([path, text]) => [
    path.slice(1),
    text,
  ]),
);

export interface ImportEdge {
  from: string;
  to: string;
}

const STATIC_IMPORT = /^[ \t]*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The module specifiers a file's text imports, in order of appearance per kind. */
export function importSpecifiers(text: string): string[] {
  return [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT].flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]!));
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return out.join("/");
}

/** The file a relative specifier names among `files`, or null (bare specifiers, such as packages, name none). */
export function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | null | "unresolved" {
  if (!specifier.startsWith(".")) return null;
  const base = normalize(`${from.slice(0, from.lastIndexOf("/"))}/${specifier}`);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`];
  return candidates.find((candidate) => files.has(candidate)) ?? "unresolved";
}

/** Every import between the given files; relative imports that name no file are returned apart. */
export function importGraph(sources: Readonly<Record<string, string>>): { edges: ImportEdge[]; unresolved: string[] } {
  const files = new Set(Object.keys(sources));
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const [from, text] of Object.entries(sources)) {
    for (const specifier of new Set(importSpecifiers(text))) {
      const to = resolveImport(from, specifier, files);
      if (to === "unresolved") unresolved.push(`${from} imports "${specifier}", which names no file`);
      else if (to !== null) edges.push({ from, to });
    }
  }
  return { edges, unresolved };
}

/** The import cycles among files (strongly connected components with more than one file, or a file importing itself). */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  for (const root of next.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; child: number }[] = [{ node: root, child: 0 }];
    const visit = (node: string) => {
      index.set(node, index.size);
      low.set(node, index.get(node)!);
      stack.push(node);
      onStack.add(node);
    };
    visit(root);
    while (work.length) {
      const frame = work.at(-1)!;
      const children = next.get(frame.node) ?? [];
      if (frame.child < children.length) {
        const child = children[frame.child++]!;
        if (!index.has(child)) {
          visit(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || children.includes(frame.node)) cycles.push(component.sort());
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
