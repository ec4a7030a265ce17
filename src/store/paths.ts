/**
 * Folder paths and folder names, as Infisical spells them: absolute, "/"-separated, no trailing slash except the
 * root "/". Every path that reaches the store goes through `normalizePath`, so traversal tricks (`..`, `.`, `//`,
 * backslashes, percent-decoded dots) never reach a query.
 */

export const ROOT_PATH = "/";
/** Infisical's cap on folder nesting. */
export const MAX_PATH_DEPTH = 20;

const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;
export const INVALID_FOLDER_NAME = "Invalid folder name. Only alphanumeric characters, dashes, and underscores are allowed.";

export class InvalidPathError extends Error {
  override name = "InvalidPathError";
}

export function isValidFolderName(name: string): boolean {
  return FOLDER_NAME.test(name);
}

/**
 * Trims, defaults to "/", adds a missing leading "/" and drops one trailing "/" (Infisical's leniency), then rejects
 * anything that is not a plain chain of valid folder names.
 */
export function normalizePath(raw: string | undefined | null): string {
  let path = (raw ?? "").trim();
  if (path === "" || path === ROOT_PATH) return ROOT_PATH;
  if (!path.startsWith("/")) path = `/${path}`;
  if (path.endsWith("/")) path = path.slice(0, -1);
  const segments = path.slice(1).split("/");
  for (const segment of segments) {
    if (segment === "") throw new InvalidPathError(`Invalid path '${raw}': empty path segments are not allowed`);
    if (segment === "." || segment === "..") throw new InvalidPathError(`Invalid path '${raw}': relative segments ('.' and '..') are not allowed`);
    if (!isValidFolderName(segment)) {
      throw new InvalidPathError(`Invalid path '${raw}': folder '${segment}' may only contain letters, digits, dashes and underscores`);
    }
  }
  if (segments.length > MAX_PATH_DEPTH) throw new InvalidPathError(`Invalid path '${raw}': folders can be nested at most ${MAX_PATH_DEPTH} levels deep`);
  return path;
}

/** The folder names along a normalised path ("/" → []). */
export function pathSegments(path: string): string[] {
  return path === ROOT_PATH ? [] : path.slice(1).split("/");
}

export function joinPath(parent: string, name: string): string {
  return parent === ROOT_PATH ? `/${name}` : `${parent}/${name}`;
}

export function parentPath(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? ROOT_PATH : path.slice(0, cut);
}

/** True when `path` is `ancestor` itself or lies below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === ROOT_PATH || path === ancestor || path.startsWith(`${ancestor}/`);
}

/** Moves `path` from below `from` to below `to` (both normalised; `path` must be within `from`). */
export function rebasePath(path: string, from: string, to: string): string {
  const rest = from === ROOT_PATH ? path : path.slice(from.length);
  if (rest === "" || rest === ROOT_PATH) return to;
  return to === ROOT_PATH ? rest : `${to}${rest}`;
}
