/**
 * Which secret wins when a folder and its imports define the same key: the folder's own secret, then the
 * bottom-most (highest position) import — Infisical's rule ("bottom-most import wins"). Own secrets come first in the
 * result, then imported keys in the order they first appear.
 */
export function mergeByPrecedence<T extends { key: string }>(own: readonly T[], importsInPositionOrder: readonly (readonly T[])[]): T[] {
  const imported = new Map<string, T>();
  for (const layer of importsInPositionOrder) for (const item of layer) imported.set(item.key, item);
  const ownKeys = new Set(own.map((item) => item.key));
  return [...own, ...[...imported.values()].filter((item) => !ownKeys.has(item.key))];
}

/** A read's import graph as the merge sees it. */
export interface ImportGraph<T> {
  /** the folder's own items */
  own(folderId: string): readonly T[];
  /** the source folder ids of the folder's followed imports, in position order (undefined: no folder there) */
  importsOf(folderId: string): readonly (string | undefined)[];
}

/**
 * What each folder resolves to — its own items over its imports' — merged once per folder and read: a branch that
 * several imports share (a diamond) is merged once however many paths lead to it, so the work is bounded by the
 * folders and imports reached, never by the number of paths.
 */
export function importMerger<T extends { key: string }>(graph: ImportGraph<T>): (folderId: string) => T[] {
  const merged = new Map<string, T[]>();
  const merging = new Set<string>();
  const resolve = (folderId: string): T[] => {
    const done = merged.get(folderId);
    if (done) return done;
    // Only a cycle leads back to a folder being merged: imports refuse cycles, but renaming folders can close one.
    if (merging.has(folderId)) return [];
    merging.add(folderId);
    const result = mergeByPrecedence(
      graph.own(folderId),
      graph.importsOf(folderId).map((id) => (id === undefined ? [] : resolve(id))),
    );
    merging.delete(folderId);
    merged.set(folderId, result);
    return result;
  };
  return resolve;
}
