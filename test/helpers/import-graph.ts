/** Import graphs at the limits of one read, built through the API in dev. */
import { expect } from "vitest";
import { MAX_IMPORTED_FOLDERS_PER_READ, MAX_IMPORTS_PER_FOLDER } from "../../src/lib/limits";
import { api } from "./api";
import { makeFolder, makeImport } from "./store";

export const at = (path: string) => ({ environment: "dev", path });

/** The store's refusal of a read of `path` (in dev) whose imports reach too many folders. */
export const reachRefusal = (path: string) =>
  `Folder '${path}' in environment 'dev' reaches more than ${MAX_IMPORTED_FOLDERS_PER_READ} folders through its secret imports ` +
  "(the limit for one read); remove some of its imports or theirs";

/** Creates `/<name>` for each name. */
export async function makeFolders(projectId: string, names: string[]) {
  await Promise.all(names.map((name) => makeFolder(projectId, "/", name)));
}

/** `/<hub>` importing `count` new folders `/<hub>-s<i>`; returns their paths. */
export async function makeHub(projectId: string, hub: string, count: number) {
  const sources = Array.from({ length: count }, (_, i) => `${hub}-s${i}`);
  await makeFolders(projectId, [hub, ...sources]);
  for (const source of sources) await makeImport(projectId, at(`/${hub}`), at(`/${source}`));
  return sources.map((s) => `/${s}`);
}

// Full hubs (a hub and its MAX_IMPORTS_PER_FOLDER sources) that fit in one read, and the folders left after them.
const HUB_SIZE = MAX_IMPORTS_PER_FOLDER + 1;
const FULL_HUBS = Math.floor(MAX_IMPORTED_FOLDERS_PER_READ / HUB_SIZE);
export const LEFT = MAX_IMPORTED_FOLDERS_PER_READ - FULL_HUBS * HUB_SIZE;

/** `root` importing FULL_HUBS full hubs: it reaches MAX_IMPORTED_FOLDERS_PER_READ - LEFT folders. Returns the hubs' sources. */
export async function importFullHubs(projectId: string, root: string) {
  const hubs = Array.from({ length: FULL_HUBS }, (_, h) => `hub${h}`);
  const sources = await Promise.all(hubs.map((hub) => makeHub(projectId, hub, MAX_IMPORTS_PER_FOLDER)));
  for (const hub of hubs) await makeImport(projectId, at(root), at(`/${hub}`));
  return sources.flat();
}

async function renameRootFolder(projectId: string, from: string, to: string) {
  const listed = await api.get("/api/v2/folders", { query: { projectId, environment: "dev", path: "/" } });
  const folder = listed.body.folders.find((x: { name: string }) => x.name === from);
  expect((await api.patch(`/api/v2/folders/${folder.id}`, { projectId, environment: "dev", path: "/", name: to })).status).toBe(200);
}

/**
 * Takes `root`, which imports full hubs, one folder past MAX_IMPORTED_FOLDERS_PER_READ without an import being
 * refused: `root` imports `/last` (empty); `/staged` imports LEFT new folders (nothing imports it yet); then a rename
 * puts `/staged` where `/last` was. A change of folders, not of imports.
 */
export async function pushPastTheReachCap(projectId: string, root: string) {
  await makeFolders(projectId, ["last"]);
  await makeImport(projectId, at(root), at("/last"));
  await makeHub(projectId, "staged", LEFT);
  await renameRootFolder(projectId, "last", "last-old");
  await renameRootFolder(projectId, "staged", "last");
}
