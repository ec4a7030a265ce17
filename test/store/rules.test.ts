import { describe, expect, it } from "vitest";
import { mergeByPrecedence } from "../../src/store/import-precedence";
import { createSyncBody } from "../../src/syncs/schemas";
import {
  MAX_FOLDER_NAME_LENGTH,
  MAX_PATH_DEPTH,
  MAX_PATH_LENGTH,
  MAX_SECRET_COMMENT_LENGTH,
  MAX_SECRET_KEY_LENGTH,
  MAX_SECRET_VALUE_BYTES,
} from "../../src/lib/limits";
import {
  FOLDER_NAME_TOO_LONG,
  folderNameProblem,
  folderPathProblem,
  INVALID_FOLDER_NAME,
  InvalidPathError,
  isValidFolderName,
  isWithin,
  joinPath,
  normalizePath,
  parentPath,
  PATH_TOO_DEEP,
  PATH_TOO_LONG,
  pathSegments,
  rebasePath,
} from "../../src/store/paths";
import {
  INVALID_SECRET_NAME,
  isSecretCommentTooLong,
  isSecretValueTooLarge,
  normalizeSecretValue,
  SECRET_KEY_TOO_LONG,
  secretKeyProblem,
} from "../../src/store/secret-rules";
import { pathOfLength } from "../helpers/paths";

describe("path normalisation", () => {
  it.each([
    [undefined, "/"],
    ["", "/"],
    ["  ", "/"],
    ["/", "/"],
    ["/a", "/a"],
    ["/a/", "/a"],
    [" /a/b-c/d_e ", "/a/b-c/d_e"],
    ["a/b", "/a/b"],
  ])("normalises %j to %j", (raw, expected) => {
    expect(normalizePath(raw)).toBe(expected);
  });

  it.each([
    ["/..", "relative segments"],
    ["/a/../b", "relative segments"],
    ["/a/./b", "relative segments"],
    ["//a", "empty path segments"],
    ["/a//b", "empty path segments"],
    ["/a//", "empty path segments"],
    ["/a b", "may only contain"],
    ["/a\\b", "may only contain"],
    ["/a.b", "may only contain"],
    ["/é", "may only contain"],
  ])("rejects %j (%s)", (raw, reason) => {
    expect(() => normalizePath(raw)).toThrow(InvalidPathError);
    expect(() => normalizePath(raw)).toThrow(reason);
  });

  it(`caps nesting at ${MAX_PATH_DEPTH} folders`, () => {
    const deepest = "/f".repeat(MAX_PATH_DEPTH);
    expect(normalizePath(deepest)).toBe(deepest);
    expect(() => normalizePath(`${deepest}/f`)).toThrow(`at most ${MAX_PATH_DEPTH} levels`);
  });

  it(`caps the length at ${MAX_PATH_LENGTH} characters, before anything else`, () => {
    for (const length of [MAX_PATH_LENGTH - 1, MAX_PATH_LENGTH]) {
      const path = pathOfLength(length);
      expect(path).toHaveLength(length);
      expect(normalizePath(path)).toBe(path);
    }
    const over = pathOfLength(MAX_PATH_LENGTH + 1);
    expect(over).toHaveLength(MAX_PATH_LENGTH + 1);
    expect(() => normalizePath(over)).toThrow(PATH_TOO_LONG);
    // Even when trimming would bring it under: the cap is applied to what was sent.
    expect(() => normalizePath(`${pathOfLength(MAX_PATH_LENGTH)} `)).toThrow(PATH_TOO_LONG);
  });

  it(`caps the depth at ${MAX_PATH_DEPTH} segments`, () => {
    for (const depth of [MAX_PATH_DEPTH - 1, MAX_PATH_DEPTH]) expect(pathSegments(normalizePath("/f".repeat(depth)))).toHaveLength(depth);
    expect(() => normalizePath("/f".repeat(MAX_PATH_DEPTH + 1))).toThrow(PATH_TOO_DEEP);
    // Counted after the one trailing "/" Infisical tolerates is dropped.
    expect(pathSegments(normalizePath(`${"/f".repeat(MAX_PATH_DEPTH)}/`))).toHaveLength(MAX_PATH_DEPTH);
  });

  it("refuses 40,000 slashes, however they end, with the length message", () => {
    for (const raw of ["/".repeat(40_000), `${"/".repeat(40_000)}x`, `a${"/".repeat(40_000)}x`]) {
      expect(() => normalizePath(raw)).toThrow(PATH_TOO_LONG);
      const parsed = createSyncBody.shape.secretPath.safeParse(raw);
      expect(parsed.success ? parsed.data : parsed.error.issues.map((i) => i.message)).toEqual([PATH_TOO_LONG]);
    }
  });

  it("normalises sync paths like every other path, and still requires one", () => {
    const secretPath = createSyncBody.shape.secretPath;
    expect(secretPath.parse(" /app/ ")).toBe("/app");
    expect(secretPath.parse("app")).toBe("/app");
    expect(secretPath.safeParse("/app//").error?.issues[0]?.message).toContain("empty path segments");
    expect(secretPath.safeParse("  ").error?.issues[0]?.message).toBe("Secret path required");
  });

  it(`caps folder names in a path at ${MAX_FOLDER_NAME_LENGTH} characters`, () => {
    expect(normalizePath(`/${"a".repeat(MAX_FOLDER_NAME_LENGTH)}`)).toHaveLength(MAX_FOLDER_NAME_LENGTH + 1);
    expect(() => normalizePath(`/${"a".repeat(MAX_FOLDER_NAME_LENGTH + 1)}`)).toThrow(`at most ${MAX_FOLDER_NAME_LENGTH} of them`);
  });

  it.each([
    ["/a\u0000b", "Secret path cannot contain control characters (found U+0000)"],
    ["/a\tb", "Secret path cannot contain control characters (found U+0009)"],
    ["/a\u202Eb", "Secret path cannot contain bidirectional text controls (found U+202E)"],
  ])("names the control or bidi character in %j instead of echoing it", (raw, message) => {
    expect(() => normalizePath(raw)).toThrow(message);
  });

  it("trims surrounding whitespace, a shell's trailing newline included, before the character rule", () => {
    expect(normalizePath("/app\n")).toBe("/app");
  });

  it("refuses a folder whose path would be too deep or too long", () => {
    expect(folderPathProblem("/f".repeat(MAX_PATH_DEPTH))).toBeNull();
    expect(folderPathProblem("/f".repeat(MAX_PATH_DEPTH + 1))).toBe(`Folders can be nested at most ${MAX_PATH_DEPTH} levels deep`);
    expect(folderPathProblem(pathOfLength(MAX_PATH_LENGTH))).toBeNull();
    expect(folderPathProblem(pathOfLength(MAX_PATH_LENGTH + 1))).toBe(`A folder's path can be at most ${MAX_PATH_LENGTH} characters`);
  });

  it("navigates paths", () => {
    expect(pathSegments("/")).toEqual([]);
    expect(pathSegments("/a/b")).toEqual(["a", "b"]);
    expect(joinPath("/", "a")).toBe("/a");
    expect(joinPath("/a", "b")).toBe("/a/b");
    expect(parentPath("/a/b")).toBe("/a");
    expect(parentPath("/a")).toBe("/");
    expect(isWithin("/a/b", "/a")).toBe(true);
    expect(isWithin("/ab", "/a")).toBe(false);
    expect(isWithin("/a", "/")).toBe(true);
    expect(rebasePath("/a/b/c", "/a/b", "/x")).toBe("/x/c");
    expect(rebasePath("/a/b", "/a/b", "/x")).toBe("/x");
    expect(rebasePath("/a/b", "/", "/x")).toBe("/x/a/b");
    expect(rebasePath("/a/b", "/a", "/")).toBe("/b");
  });

  it("accepts only letters, digits, dashes and underscores in folder names", () => {
    expect(isValidFolderName("Api_v2-beta")).toBe(true);
    for (const bad of ["", "a b", "a/b", "..", "a.b", "a:b", "ü"]) expect(isValidFolderName(bad)).toBe(false);
  });

  it(`caps folder names at ${MAX_FOLDER_NAME_LENGTH} characters, and names the problem`, () => {
    expect(folderNameProblem("a".repeat(MAX_FOLDER_NAME_LENGTH - 1))).toBeNull();
    expect(folderNameProblem("a".repeat(MAX_FOLDER_NAME_LENGTH))).toBeNull();
    expect(folderNameProblem("a".repeat(MAX_FOLDER_NAME_LENGTH + 1))).toBe(FOLDER_NAME_TOO_LONG);
    for (const bad of ["a\u0000b", "a\u202Eb", "a\u200Fb"]) expect(folderNameProblem(bad)).toBe(INVALID_FOLDER_NAME);
  });
});

describe("secret key and value rules", () => {
  it("refuses empty keys and keys with ':' or '/', and keeps case", () => {
    expect(secretKeyProblem("")).toMatch(/empty/);
    expect(secretKeyProblem("A:B")).toBe(INVALID_SECRET_NAME);
    expect(secretKeyProblem("A/B")).toBe(INVALID_SECRET_NAME);
    expect(secretKeyProblem("mixedCase.with-dots and spaces")).toBeNull();
  });

  it(`caps keys at ${MAX_SECRET_KEY_LENGTH} characters (Infisical's column)`, () => {
    expect(secretKeyProblem("K".repeat(MAX_SECRET_KEY_LENGTH - 1))).toBeNull();
    expect(secretKeyProblem("K".repeat(MAX_SECRET_KEY_LENGTH))).toBeNull();
    expect(secretKeyProblem("K".repeat(MAX_SECRET_KEY_LENGTH + 1))).toBe(SECRET_KEY_TOO_LONG);
    expect(SECRET_KEY_TOO_LONG).toBe(`Secret name must be at most ${MAX_SECRET_KEY_LENGTH} characters`);
  });

  it.each([
    ["A\u0000B", "Secret name cannot contain control characters (found U+0000)"],
    ["A\tB", "Secret name cannot contain control characters (found U+0009)"],
    ["A\nB", "Secret name cannot contain control characters (found U+000A)"],
    ["A\u007FB", "Secret name cannot contain control characters (found U+007F)"],
    ["A\u0085B", "Secret name cannot contain control characters (found U+0085)"],
    ["A\u202EB", "Secret name cannot contain bidirectional text controls (found U+202E)"],
    ["A\u2067B", "Secret name cannot contain bidirectional text controls (found U+2067)"],
    ["API_KEY\u200E", "Secret name cannot contain bidirectional text controls (found U+200E)"],
  ])("refuses the key %j", (key, message) => {
    expect(secretKeyProblem(key)).toBe(message);
  });

  it("keeps accepting keys Infisical accepts: spaces, dots, letters of any script, emoji", () => {
    for (const key of ["with space", "dotted.key", "clé_été", "ключ", "🔑_KEY"]) expect(secretKeyProblem(key)).toBeNull();
  });

  it(`caps comments at ${MAX_SECRET_COMMENT_LENGTH} characters`, () => {
    expect(isSecretCommentTooLong("c".repeat(MAX_SECRET_COMMENT_LENGTH - 1))).toBe(false);
    expect(isSecretCommentTooLong("c".repeat(MAX_SECRET_COMMENT_LENGTH))).toBe(false);
    expect(isSecretCommentTooLong("c".repeat(MAX_SECRET_COMMENT_LENGTH + 1))).toBe(true);
  });

  it("trims values but keeps one trailing newline", () => {
    expect(normalizeSecretValue("  v  ")).toBe("v");
    expect(normalizeSecretValue("-----BEGIN-----\nabc\n-----END-----\n\n")).toBe("-----BEGIN-----\nabc\n-----END-----\n");
    expect(normalizeSecretValue("line\n")).toBe("line\n");
    expect(normalizeSecretValue("\n")).toBe("\n");
    expect(normalizeSecretValue("")).toBe("");
  });

  it(`limits values to ${MAX_SECRET_VALUE_BYTES} UTF-8 bytes`, () => {
    expect(isSecretValueTooLarge("a".repeat(MAX_SECRET_VALUE_BYTES))).toBe(false);
    expect(isSecretValueTooLarge("a".repeat(MAX_SECRET_VALUE_BYTES + 1))).toBe(true);
    // "é" is 2 bytes in UTF-8: half as many characters reach the limit.
    expect(isSecretValueTooLarge("é".repeat(MAX_SECRET_VALUE_BYTES / 2))).toBe(false);
    expect(isSecretValueTooLarge("é".repeat(MAX_SECRET_VALUE_BYTES / 2 + 1))).toBe(true);
  });
});

describe("import precedence", () => {
  const s = (key: string, from: string) => ({ key, from });

  it("lets own keys win, then later imports over earlier ones", () => {
    const merged = mergeByPrecedence([s("A", "own")], [
      [s("A", "first"), s("B", "first"), s("C", "first")],
      [s("B", "second"), s("D", "second")],
    ]);
    expect(merged).toEqual([s("A", "own"), s("B", "second"), s("C", "first"), s("D", "second")]);
  });

  it("handles no imports and no own secrets", () => {
    expect(mergeByPrecedence([s("A", "own")], [])).toEqual([s("A", "own")]);
    expect(mergeByPrecedence([], [[s("A", "x")]])).toEqual([s("A", "x")]);
  });
});
