/** `$glob` matching: Infisical's picomatch semantics for canonical paths, the two documented corners, and the bounds. */
import { describe, expect, it } from "vitest";
import { globMatches, MAX_GLOB_PATTERN_LENGTH, MAX_MATCHED_VALUE_LENGTH, MAX_MATCHED_VALUE_SEGMENTS } from "../../src/access/glob";

describe("globMatches agrees with picomatch (strictSlashes: false) on canonical paths", () => {
  // Expected values are what picomatch 4's isMatch(value, pattern, { strictSlashes: false }) answers.
  it.each([
    ["/app/**", "/app", true],
    ["/app/**", "/app/x", true],
    ["/app/**", "/app/x/y", true],
    ["/app/**", "/appx", false],
    ["/app/**", "/", false],
    ["/**", "/", true],
    ["/**", "/a", true],
    ["/**", "/a/b/c", true],
    ["/*", "/", false],
    ["/*", "/a", true],
    ["/*", "/a/b", false],
    ["/app/*", "/app", false],
    ["/app/*", "/app/x", true],
    ["/app/*", "/app/x/y", false],
    ["/app*", "/app", true],
    ["/app*", "/apple", true],
    ["/app*", "/app/x", false],
    ["/a**", "/abc", true],
    ["/a**", "/a/b", false],
    ["/a/**/b", "/a/b", true],
    ["/a/**/b", "/a/x/b", true],
    ["/a/**/b", "/a/x/y/b", true],
    ["/a/**/b", "/a/x/y/c", false],
    ["/**/b", "/x/b", true],
    ["/a/**/**/b", "/a/b", true],
    ["/a?c", "/abc", true],
    ["/a?c", "/ac", false],
    ["/a/*/c", "/a/b/c", true],
    ["/a/*/c", "/a/c", false],
    ["/a/*x/**", "/a/bx", true],
    ["/a/?/**", "/a/b", true],
    ["/a/**/*", "/a", false],
    ["/a/**/*", "/a/b/c", true],
    ["/", "/", true],
    ["/", "/a", false],
    ["/app", "/app", true],
    ["/app", "/App", false],
    ["prod-*", "prod-eu", true],
    ["prod-*", "prod", false],
    ["*", "dev", true],
    ["d?v", "dev", true],
  ])("%s against %s → %s", (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe("where picomatch does not let ** match zero segments, ** still means zero or more", () => {
  // picomatch answers false for each of these; documented in src/access/glob.ts.
  it.each([
    ["/**/b", "/b"],
    ["/**/*", "/a"],
    ["/a/*/**", "/a/b"],
    ["/a/b*/**", "/a/bc"],
    ["/*/**", "/a"],
  ])("%s matches %s", (pattern, value) => {
    expect(globMatches(pattern, value)).toBe(true);
  });
});

describe("globMatches bounds its work", () => {
  const deepPath = (segments: number) => "/" + Array.from({ length: segments }, (_, i) => `s${i}`).join("/");

  it("decides values up to the segment limit and refuses to judge beyond it", () => {
    expect(globMatches("/**", deepPath(MAX_MATCHED_VALUE_SEGMENTS))).toBe(true);
    expect(globMatches("/**", deepPath(MAX_MATCHED_VALUE_SEGMENTS + 1))).toBeUndefined();
  });

  it("decides values up to the length limit and refuses to judge beyond it", () => {
    const atLimit = "/" + "a".repeat(MAX_MATCHED_VALUE_LENGTH - 1);
    expect(globMatches("/a*", atLimit)).toBe(true);
    expect(globMatches("/a*", atLimit + "a")).toBeUndefined();
  });

  it("refuses patterns over the pattern limit", () => {
    const atLimit = "/" + "*".repeat(MAX_GLOB_PATTERN_LENGTH - 1);
    expect(globMatches(atLimit, "/abc")).toBe(true);
    expect(globMatches(atLimit + "*", "/abc")).toBeUndefined();
  });

  it("decides the classic backtracking trap", () => {
    // A regex engine backtracks exponentially on this shape; the segment walk is bounded by length × length.
    const pattern = "/" + "*a".repeat(60) + "b";
    const value = "/" + "a".repeat(MAX_MATCHED_VALUE_LENGTH - 1);
    expect(globMatches(pattern, value)).toBe(false);
    expect(globMatches("/" + "**/".repeat(MAX_MATCHED_VALUE_SEGMENTS - 1) + "x", deepPath(MAX_MATCHED_VALUE_SEGMENTS))).toBe(false);
  });

  it("never matches an empty pattern", () => {
    expect(globMatches("", "")).toBe(false);
    expect(globMatches("", "/")).toBe(false);
  });
});
