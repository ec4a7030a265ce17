/**
 * Folder paths and folder names, as Infisical spells them: absolute, "/"-separated, no trailing slash except the
 * root "/". Every path that reaches the store goes through `normalizePath`, so traversal tricks (`..`, `.`, `//`,
 * backslashes, percent-decoded dots) never reach a query.
 */
import { unsafeCharacterProblem } from "../lib/characters";
import { MAX_FOLDER_NAME_LENGTH, MAX_PATH_DEPTH, MAX_PATH_LENGTH } from "../lib/limits";

export const ROOT_PATH = "/";

const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;
export const INVALID_FOLDER_NAME = "Invalid folder name. Only alphanumeric characters, dashes, and underscores are allowed.";
export const FOLDER_NAME_TOO_LONG = `Folder name must be at most ${MAX_FOLDER_NAME_LENGTH} characters`;
export const PATH_TOO_LONG = `Secret path must be at most ${MAX_PATH_LENGTH} characters`;
export const PATH_TOO_DEEP = `Secret path can be at most ${MAX_PATH_DEPTH} levels deep`;

export class InvalidPathError extends Error {
  override name = "InvalidPathError";
}

export function isValidFolderName(name: string): boolean {
  return name.length <= MAX_FOLDER_NAME_LENGTH && FOLDER_NAME.test(name);
}

/** Why `name` cannot name a folder, or null. */
export function folderNameProblem(name: string): string | null {
  if (name.length > MAX_FOLDER_NAME_LENGTH) return FOLDER_NAME_TOO_LONG;
  return FOLDER_NAME.test(name) ? null : INVALID_FOLDER_NAME;
}

/**
 * Trims, defaults to "/", adds a missing leading "/" and drops one trailing "/" (Infisical's leniency), then rejects
 * anything that is not a plain chain of valid folder names. The length cap comes first, so every later step works on
 * at most MAX_PATH_LENGTH characters and the whole call is linear in that.
 */
export function normalizePath(raw: string | undefined | null): string {
  const input = raw ?? "";
  if (input.length > MAX_PATH_LENGTH) throw new InvalidPathError(PATH_TOO_LONG);
  let path = input.trim();
  const unsafe = unsafeCharacterProblem("Secret path", path);
  if (unsafe) throw new InvalidPathError(unsafe);
  if (path === "" || path === ROOT_PATH) return ROOT_PATH;
  if (!path.startsWith("/")) path = `/${path}`;
  if (path.endsWith("/")) path = path.slice(0, -1);
  const segments = path.slice(1).split("/");
  if (segments.length > MAX_PATH_DEPTH) throw new InvalidPathError(PATH_TOO_DEEP);
  for (const segment of segments) {
    if (segment === "") throw new InvalidPathError(`Invalid path '${raw}': empty path segments are not allowed`);
    if (segment === "." || segment === "..") throw new InvalidPathError(`Invalid path '${raw}': relative segments ('.' and '..') are not allowed`);
    if (!isValidFolderName(segment)) {
      const rule = `may only contain letters, digits, dashes and underscores, at most ${MAX_FOLDER_NAME_LENGTH} of them`;
      throw new InvalidPathError(`Invalid path '${raw}': folder '${segment}' ${rule}`);
    }
  }
  return path;
}

/** Why no folder may live at the normalised `path` (a folder created or renamed there), or null. */
export function folderPathProblem(path: string): string | null {
  if (pathSegments(path).length > MAX_PATH_DEPTH) return `Folders can be nested at most ${MAX_PATH_DEPTH} levels deep`;
  if (path.length > MAX_PATH_LENGTH) return `A folder's path can be at most ${MAX_PATH_LENGTH} characters`;
  return null;
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
