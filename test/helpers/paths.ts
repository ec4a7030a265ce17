/** Folder paths of a given size, for tests at the path limits. */
import { MAX_FOLDER_NAME_LENGTH } from "../../src/lib/limits";

/** A valid path of exactly `length` characters under `/`: full-size folder names, then a shorter last one. */
export function pathOfLength(length: number): string {
  let path = "";
  while (path.length + 1 + MAX_FOLDER_NAME_LENGTH < length) path += `/${"a".repeat(MAX_FOLDER_NAME_LENGTH)}`;
  return `${path}/${"b".repeat(length - path.length - 1)}`;
}
