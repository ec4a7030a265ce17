import { describe, expect, it } from "vitest";
import { unsafeCharacterProblem } from "../../src/lib/characters";

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("the character rule for keys, paths and names", () => {
  it("refuses every control character: C0 (NUL included), DEL and C1", () => {
    for (const codePoint of [...range(0x00, 0x1f), 0x7f, ...range(0x80, 0x9f)]) {
      expect(unsafeCharacterProblem("Field", `a${String.fromCodePoint(codePoint)}b`)).toBe(
        `Field cannot contain control characters (found ${hex(codePoint)})`,
      );
    }
  });

  it("refuses every bidirectional text control: embeddings, overrides, isolates and the invisible marks", () => {
    for (const codePoint of [...range(0x202a, 0x202e), ...range(0x2066, 0x2069), 0x200e, 0x200f, 0x061c]) {
      expect(unsafeCharacterProblem("Field", `a${String.fromCodePoint(codePoint)}b`)).toBe(
        `Field cannot contain bidirectional text controls (found ${hex(codePoint)})`,
      );
    }
  });

  it("reports the first offending character", () => {
    expect(unsafeCharacterProblem("name", "ok\u202Ethen\u0000")).toBe("name cannot contain bidirectional text controls (found U+202E)");
  });

  it("accepts the characters next to the refused ranges, and text of any script", () => {
    for (const codePoint of [0x20, 0x7e, 0xa0, 0x200b, 0x200d, 0x2029, 0x202f, 0x2065, 0x206a]) {
      expect(unsafeCharacterProblem("Field", `a${String.fromCodePoint(codePoint)}b`)).toBeNull();
    }
    for (const text of ["", "Projet Été", "مشروع", "פרויקט", "项目", "👩‍💻 team"]) {
      expect(unsafeCharacterProblem("Field", text)).toBeNull();
    }
  });
});
