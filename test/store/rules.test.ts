import { describe, expect, it } from "vitest";
import { mergeByPrecedence } from "../../src/store/import-precedence";
import { MAX_PATH_DEPTH, MAX_SECRET_VALUE_BYTES } from "../../src/lib/limits";
import { InvalidPathError, isValidFolderName, isWithin, joinPath, normalizePath, parentPath, pathSegments, rebasePath } from "../../src/store/paths";
import { INVALID_SECRET_NAME, isSecretValueTooLarge, normalizeSecretValue, secretKeyProblem } from "../../src/store/secret-rules";

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
});

describe("secret key and value rules", () => {
  it("refuses empty keys and keys with ':' or '/', and keeps case", () => {
    expect(secretKeyProblem("")).toMatch(/empty/);
    expect(secretKeyProblem("A:B")).toBe(INVALID_SECRET_NAME);
    expect(secretKeyProblem("A/B")).toBe(INVALID_SECRET_NAME);
    expect(secretKeyProblem("mixedCase.with-dots and spaces")).toBeNull();
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
