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
