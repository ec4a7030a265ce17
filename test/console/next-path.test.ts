import { describe, expect, it } from "vitest";
import { safeNextPath } from "../../src/console/urls";
import { MAX_NEXT_LENGTH } from "../../src/lib/limits";

const ORIGIN = "https://console.test";

describe("safeNextPath: where sign-in may send the browser", () => {
  it.each([
    ["/projects", "/projects"],
    ["/projects?x=1#top", "/projects?x=1#top"],
    ["/projects/p1/secrets/dev?path=%2Fapi", "/projects/p1/secrets/dev?path=%2Fapi"],
    // Same origin, written absolutely or relatively: reduced to the path the browser would reach anyway.
    [`${ORIGIN}/projects`, "/projects"],
    ["projects", "/projects"],
    // Encoded slashes, backslashes and tabs stay encoded: a path on this site, not another host.
    ["%2F%2Fevil.example", "/%2F%2Fevil.example"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
    ["/%5Cevil.example", "/%5Cevil.example"],
    ["/%09/evil.example", "/%09/evil.example"],
    // Characters a Location header cannot carry raw are sent percent-encoded.
    ["/projects/ x", "/projects/%20x"],
    ["/projects/\u2028x", "/projects/%E2%80%A8x"],
    ["／／evil.example", "/%EF%BC%8F%EF%BC%8Fevil.example"],
  ])("keeps %j as %j", (next, expected) => {
    expect(safeNextPath(next, ORIGIN)).toBe(expected);
  });

  it.each([
    // Browsers drop tabs and newlines inside URLs: "/\t/evil.example" would become "//evil.example".
    ["tab after the slash", "/\t/evil.example/path"],
    ["newline after the slash", "/\n/evil.example"],
    ["CR/LF header injection", "/projects\r\nSet-Cookie: pwned=1"],
    ["NUL", "/projects\u0000"],
    ["DEL", "/projects\u007f"],
    ["C1 control (NEL)", "/projects\u0085"],
    ["leading space", " //evil.example"],
    ["protocol-relative", "//evil.example"],
    ["three slashes", "///evil.example"],
    ["bare double slash", "//"],
    ["slash-backslash", "/\\evil.example"],
    ["double backslash", "\\\\evil.example"],
    ["backslash in a path", "/projects\\..\\evil"],
    ["dot segment to a host-like path", "/..//evil.example"],
    ["dot segment, single dot", "/.//evil.example"],
    ["encoded dot segment", "/%2e%2e//evil.example"],
    ["absolute path with a double slash on this origin", `${ORIGIN}//evil.example`],
    ["another https origin", "https://evil.example/"],
    ["userinfo that looks like this host", "//console.test@evil.example"],
    ["same host over http", "http://console.test/projects"],
    ["same host on another port", "https://console.test:444/projects"],
    ["javascript:", "javascript:alert(1)"],
    ["mixed-case javascript:", "JaVaScRiPt:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["empty", ""],
  ])("ignores %s", (_label, next) => {
    expect(safeNextPath(next, ORIGIN)).toBeUndefined();
  });

  it("ignores nothing at all and a value past MAX_NEXT_LENGTH", () => {
    expect(safeNextPath(undefined, ORIGIN)).toBeUndefined();
    const at = (length: number) => `/${"a".repeat(length - 1)}`;
    expect(safeNextPath(at(MAX_NEXT_LENGTH - 1), ORIGIN)).toBe(at(MAX_NEXT_LENGTH - 1));
    expect(safeNextPath(at(MAX_NEXT_LENGTH), ORIGIN)).toBe(at(MAX_NEXT_LENGTH));
    expect(safeNextPath(at(MAX_NEXT_LENGTH + 1), ORIGIN)).toBeUndefined();
  });

  it("is relative to the origin it is given", () => {
    expect(safeNextPath("http://localhost:8787/projects", "http://localhost:8787")).toBe("/projects");
    expect(safeNextPath("http://localhost:8787/projects", ORIGIN)).toBeUndefined();
  });
});
