import { describe, expect, it } from "vitest";
import { MAX_EXPANDED_VALUE_BYTES, MAX_EXPANSION_BYTES_PER_READ, MAX_REFERENCE_DEPTH } from "../../src/lib/limits";
import {
  createExpander,
  parseReference,
  ReferenceDeniedError,
  referencedAddresses,
  renameReferences,
  type ReferenceSource,
  type SecretAddress,
} from "../../src/store/references";

/** An in-memory source: "env:/path:KEY" → value. */
function source(values: Record<string, string>): ReferenceSource & { reads: number } {
  const src = {
    reads: 0,
    valueAt(a: SecretAddress) {
      src.reads++;
      return values[`${a.environment}:${a.secretPath}:${a.key}`];
    },
  };
  return src;
}

const expand = (values: Record<string, string>, at: string) => {
  const [environment, secretPath, key] = at.split(":") as [string, string, string];
  return createExpander(source(values)).expandSecret({ environment, secretPath, key });
};

describe("reference parsing", () => {
  const origin = { environment: "dev", secretPath: "/api" };

  it("resolves local and cross references", () => {
    expect(parseReference("KEY", origin)).toEqual({ environment: "dev", secretPath: "/api", key: "KEY" });
    expect(parseReference("prod.KEY", origin)).toEqual({ environment: "prod", secretPath: "/", key: "KEY" });
    expect(parseReference("prod.frontend.api.KEY", origin)).toEqual({ environment: "prod", secretPath: "/frontend/api", key: "KEY" });
  });

  it("refuses malformed bodies", () => {
    expect(parseReference("dev..KEY", origin)).toBeNull();
    expect(parseReference(".KEY", origin)).toBeNull();
    expect(parseReference("KEY.", origin)).toBeNull();
  });

  it("lists where a value's references point, once each", () => {
    expect(referencedAddresses("${A} ${A} ${prod.db.B} ${ C } $A {A}", origin)).toEqual([
      { environment: "dev", secretPath: "/api", key: "A" },
      { environment: "prod", secretPath: "/db", key: "B" },
    ]);
  });
});

describe("reference expansion", () => {
  it("expands local, cross-environment and nested references relative to each secret's own folder", () => {
    const values = {
      "dev:/:URL": "postgres://${USER}:${prod.db.PASSWORD}@host",
      "dev:/:USER": "app",
      "prod:/db:PASSWORD": "${SALT}-pw",
      "prod:/db:SALT": "s4lt",
    };
    expect(expand(values, "dev:/:URL")).toEqual({ value: "postgres://app:s4lt-pw@host", unresolved: [] });
  });

  it("replaces every occurrence and leaves text that is not a reference alone", () => {
    expect(expand({ "dev:/:A": "${B}/${B} ${ B } $B {B} $${B}", "dev:/:B": "x" }, "dev:/:A").value).toBe("x/x ${ B } $B {B} $x");
  });

  it("leaves missing references literal and reports them", () => {
    const values = { "dev:/:A": "${NOPE} ${prod.gone.X} ${EMPTY} ${dev..X}", "dev:/:EMPTY": "" };
    expect(expand(values, "dev:/:A")).toEqual({
      value: "${NOPE} ${prod.gone.X} ${EMPTY} ${dev..X}",
      unresolved: [
        { reference: "${NOPE}", reason: "missing" },
        { reference: "${prod.gone.X}", reason: "missing" },
        { reference: "${EMPTY}", reason: "missing" },
        { reference: "${dev..X}", reason: "missing" },
      ],
    });
  });

  it("reports missing references found deeper in the chain", () => {
    expect(expand({ "dev:/:A": "a-${B}", "dev:/:B": "b-${C}" }, "dev:/:A")).toEqual({ value: "a-b-${C}", unresolved: [{ reference: "${C}", reason: "missing" }] });
  });

  it("is cycle-safe: a self reference is a cycle", () => {
    expect(expand({ "dev:/:A": "x${A}" }, "dev:/:A")).toEqual({ value: "xx${A}", unresolved: [{ reference: "${A}", reason: "cycle" }] });
  });

  it("is cycle-safe: a revisited secret is substituted once more, unexpanded, and reported", () => {
    const values = { "dev:/:A": "a(${B})", "dev:/:B": "b(${prod.C})", "prod:/:C": "c(${dev.A})" };
    expect(expand(values, "dev:/:A")).toEqual({ value: "a(b(c(a(${B}))))", unresolved: [{ reference: "${dev.A}", reason: "cycle" }] });
  });

  const chain = (hops: number) => {
    const values: Record<string, string> = {};
    for (let i = 0; i < hops; i++) values[`dev:/:K${i}`] = `${i}>\${K${i + 1}}`;
    values[`dev:/:K${hops}`] = "end";
    return values;
  };

  it(`follows chains of up to ${MAX_REFERENCE_DEPTH} references`, () => {
    const result = expand(chain(MAX_REFERENCE_DEPTH), "dev:/:K0");
    expect(result.unresolved).toEqual([]);
    expect(result.value).toBe(`${Array.from({ length: MAX_REFERENCE_DEPTH }, (_, i) => `${i}>`).join("")}end`);
  });

  it(`stops one reference deeper than ${MAX_REFERENCE_DEPTH} and reports the depth overflow`, () => {
    const result = expand(chain(MAX_REFERENCE_DEPTH + 1), "dev:/:K0");
    expect(result.unresolved).toEqual([{ reference: `\${K${MAX_REFERENCE_DEPTH + 1}}`, reason: "depth" }]);
    expect(result.value.endsWith(`${MAX_REFERENCE_DEPTH}>\${K${MAX_REFERENCE_DEPTH + 1}}`)).toBe(true);
  });

  it("reads each stored value once per expander, however often it is expanded or referenced", () => {
    const src = source(chain(MAX_REFERENCE_DEPTH));
    const expander = createExpander(src);
    // K5 resolves in 5 hops from itself and is cached; from K0 it sits 5 hops down, which still fits.
    expect(expander.expandSecret({ environment: "dev", secretPath: "/", key: "K5" }).unresolved).toEqual([]);
    expect(expander.expandSecret({ environment: "dev", secretPath: "/", key: "K0" }).unresolved).toEqual([]);
    expander.expandSecret({ environment: "dev", secretPath: "/", key: "K0" });
    expect(src.reads).toBe(MAX_REFERENCE_DEPTH + 1);
  });

  it("gives the same answers with or without memoised state", () => {
    const values = { ...chain(MAX_REFERENCE_DEPTH + 2), "dev:/:X": "${X2}", "dev:/:X2": "${K3}-${X}" };
    const shared = createExpander(source(values));
    for (const key of ["K3", "X", "K0", "X2", "K1", "K12"]) {
      const address = { environment: "dev", secretPath: "/", key };
      expect(shared.expandSecret(address)).toEqual(createExpander(source(values)).expandSecret(address));
    }
  });
});

describe("expansion limited to readable locations", () => {
  const at = (key: string, environment = "dev") => ({ environment, secretPath: "/", key });
  const values = {
    "dev:/:A": "${B}",
    "dev:/:B": "${X}-${prod.C}",
    "dev:/:X": "x",
    "dev:/:G": "${A}",
    "dev:/:OK": "${X}${X}",
    "prod:/:C": "prod-secret",
  };
  const devOnly = (location: { environment: string }) => location.environment === "dev";

  function deniedAt(run: () => unknown) {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ReferenceDeniedError);
      return (error as ReferenceDeniedError).referenced;
    }
    throw new Error("expected a refusal");
  }

  it("refuses at the first reference into a location the reader may not read, however deep, whether a secret is there or not", () => {
    const expander = createExpander(source(values), devOnly);
    expect(deniedAt(() => expander.expandSecret(at("A")))).toEqual({ environment: "prod", secretPath: "/", key: "C" });
    expect(deniedAt(() => createExpander(source({ "dev:/:M": "${prod.api.MISSING}" }), devOnly).expandSecret(at("M")))).toEqual({
      environment: "prod",
      secretPath: "/api",
      key: "MISSING",
    });
    expect(expander.expandSecret(at("OK"))).toEqual({ value: "xx", unresolved: [] });
  });

  it("stays usable after a refusal: the refused chain is not left behind as a cycle", () => {
    const expander = createExpander(source(values), devOnly);
    deniedAt(() => expander.expandSecret(at("A")));
    expect(deniedAt(() => expander.expandSecret(at("G")))).toEqual({ environment: "prod", secretPath: "/", key: "C" });
    expect(createExpander(source(values)).expandSecret(at("G"))).toEqual({ value: "x-prod-secret", unresolved: [] });
  });
});

describe("expansion budget", () => {
  const at = (key: string) => ({ environment: "dev", secretPath: "/", key });
  const LIMIT = MAX_EXPANDED_VALUE_BYTES;

  it(`expands a value of up to ${LIMIT} bytes and leaves a larger one as stored, reported with its own key`, () => {
    // PAD is stored at the limit less 10 bytes; each value adds 9, 10 or 11 bytes to it.
    const values = {
      "dev:/:PAD": "p".repeat(LIMIT - 10),
      "dev:/:UNDER": `\${PAD}${"x".repeat(9)}`,
      "dev:/:AT": `\${PAD}${"x".repeat(10)}`,
      "dev:/:OVER": `\${PAD}${"x".repeat(11)}`,
    };
    const expander = createExpander(source(values));
    expect(expander.expandSecret(at("UNDER"))).toEqual({ value: `${"p".repeat(LIMIT - 10)}${"x".repeat(9)}`, unresolved: [] });
    expect(expander.expandSecret(at("AT")).value).toHaveLength(LIMIT);
    expect(expander.expandSecret(at("AT")).unresolved).toEqual([]);
    expect(expander.expandSecret(at("OVER"))).toEqual({ value: `\${PAD}${"x".repeat(11)}`, unresolved: [{ reference: "${OVER}", reason: "too-large" }] });
  });

  it("counts UTF-8 bytes and every occurrence of a reference", () => {
    const quarter = "é".repeat(LIMIT / 8); // LIMIT / 4 bytes
    const values = { "dev:/:Q": quarter, "dev:/:Q1": `${quarter}a`, "dev:/:AT": "${Q}${Q}${Q}${Q}", "dev:/:OVER": "${Q}${Q}${Q}${Q1}" };
    const expander = createExpander(source(values));
    expect(expander.expandSecret(at("AT"))).toEqual({ value: quarter.repeat(4), unresolved: [] });
    expect(expander.expandSecret(at("OVER")).unresolved).toEqual([{ reference: "${OVER}", reason: "too-large" }]);
  });

  it("treats a value containing one that is too large as too large, and leaves its neighbours alone", () => {
    const values = {
      "dev:/:BIG": "b".repeat(LIMIT / 2 + 1),
      "dev:/:TWICE": "${BIG}${BIG}",
      "dev:/:OUTER": "x ${TWICE} ${SMALL}",
      "dev:/:SMALL": "s",
      "dev:/:NEXT": "${SMALL}!",
    };
    const expander = createExpander(source(values));
    expect(expander.expandSecret(at("OUTER"))).toEqual({ value: "x ${TWICE} ${SMALL}", unresolved: [{ reference: "${OUTER}", reason: "too-large" }] });
    expect(expander.expandSecret(at("NEXT"))).toEqual({ value: "s!", unresolved: [] });
  });

  /** `count` secrets F0… that each expand to a copy of CHUNK (`size` bytes), and the `dev:/:CHUNK<size>` they share. */
  const fillers = (count: number, size: number, prefix = "F") => {
    const values: Record<string, string> = { [`dev:/:CHUNK${size}`]: "c".repeat(size) };
    for (let i = 0; i < count; i++) values[`dev:/:${prefix}${i}`] = `\${CHUNK${size}}`;
    return values;
  };
  const expandFillers = (expander: ReturnType<typeof createExpander>, count: number, prefix = "F") =>
    Array.from({ length: count }, (_, i) => expander.expandSecret(at(`${prefix}${i}`)));

  it(`spends at most ${MAX_EXPANSION_BYTES_PER_READ} bytes per read: a value that would pass it is not expanded, nor anything after it`, () => {
    const full = MAX_EXPANSION_BYTES_PER_READ / LIMIT; // values of LIMIT bytes that fill the budget
    for (const [probeBytes, fits] of [[1, true], [2, true], [3, false]] as const) {
      // LIMIT-byte values up to the budget less 2 bytes, then a probe taking the total to the budget - 1, at it, or past it.
      const values = {
        ...fillers(full - 1, LIMIT),
        ...fillers(1, LIMIT - 2, "G"),
        "dev:/:P": "p".repeat(probeBytes),
        "dev:/:PROBE": "${P}",
        "dev:/:AFTER": "${SMALL}",
        "dev:/:SMALL": "s",
      };
      const expander = createExpander(source(values));
      expect(expandFillers(expander, full - 1).every((r) => r.unresolved.length === 0 && r.value.length === LIMIT)).toBe(true);
      expect(expander.expandSecret(at("G0")).unresolved).toEqual([]);
      const probe = expander.expandSecret(at("PROBE"));
      const notExpanded = { value: "${P}", unresolved: [{ reference: "${PROBE}", reason: "over-budget" }] };
      expect(probe).toEqual(fits ? { value: "p".repeat(probeBytes), unresolved: [] } : notExpanded);
      // One more byte fits only below the budget, and spending stops at the first value that does not fit.
      const after = expander.expandSecret(at("AFTER"));
      const afterNotExpanded = { value: "${SMALL}", unresolved: [{ reference: "${AFTER}", reason: "over-budget" }] };
      expect(after).toEqual(probeBytes === 1 ? { value: "s", unresolved: [] } : afterNotExpanded);
      // Values without references are returned as stored whatever the budget.
      expect(expander.expandSecret(at("SMALL"))).toEqual({ value: "s", unresolved: [] });
    }
  });

  it("charges a memoised value once: expanding it again costs nothing", () => {
    const expander = createExpander(source(fillers(1, LIMIT)));
    const times = 2 * (MAX_EXPANSION_BYTES_PER_READ / LIMIT);
    const results = Array.from({ length: times }, () => expander.expandSecret(at("F0")));
    expect(results.every((r) => r.unresolved.length === 0 && r.value.length === LIMIT)).toBe(true);
  });

  /** How many LIMIT-byte values still expand after `bomb` in the same read (a fresh read fits budget / LIMIT). */
  const capacityLeftAfter = (bomb: Record<string, string>, root: string) => {
    const full = MAX_EXPANSION_BYTES_PER_READ / LIMIT;
    const expander = createExpander(source({ ...bomb, ...fillers(full, LIMIT) }));
    const result = expander.expandSecret(at(root));
    return { result, left: expandFillers(expander, full).filter((r) => r.unresolved.length === 0).length };
  };

  it("stops an exponential bomb early: 2^40 bytes described in 1 KiB cost the read about two values' worth", () => {
    const levels = MAX_REFERENCE_DEPTH;
    const bomb: Record<string, string> = { [`dev:/:L${levels}`]: "x" };
    for (let i = 0; i < levels; i++) bomb[`dev:/:L${i}`] = `\${L${i + 1}}`.repeat(16);
    const { result, left } = capacityLeftAfter(bomb, "L0");
    expect(result).toEqual({ value: "${L1}".repeat(16), unresolved: [{ reference: "${L0}", reason: "too-large" }] });
    expect(left).toBeGreaterThanOrEqual(MAX_EXPANSION_BYTES_PER_READ / LIMIT - 3);
  });

  it("stops a fan-out of distinct references early, even where cycles and the depth cap defeat memoisation", () => {
    // 16 secrets each referencing all 16: every path is a new chain, so no resolution can be reused.
    const names = Array.from({ length: 16 }, (_, i) => `N${i}`);
    const bomb = Object.fromEntries(names.map((name) => [`dev:/:${name}`, `${name}:${names.map((n) => `\${${n}}`).join("")}`]));
    const { result, left } = capacityLeftAfter(bomb, "N0");
    expect(result.unresolved).toEqual([{ reference: "${N0}", reason: "too-large" }]);
    expect(left).toBeGreaterThanOrEqual(MAX_EXPANSION_BYTES_PER_READ / LIMIT - 8);
  });
});

describe("renaming references", () => {
  const renamed = { environment: "dev", secretPath: "/api", key: "OLD" };

  it("rewrites local references in the same folder and cross references anywhere", () => {
    expect(renameReferences("${OLD}-${OLDER}-${OLD}", { environment: "dev", secretPath: "/api" }, renamed, "NEW")).toBe("${NEW}-${OLDER}-${NEW}");
    expect(renameReferences("${dev.api.OLD} ${prod.api.OLD}", { environment: "prod", secretPath: "/" }, renamed, "NEW")).toBe("${dev.api.NEW} ${prod.api.OLD}");
  });

  it("leaves same-named local references of other folders alone", () => {
    expect(renameReferences("${OLD}", { environment: "dev", secretPath: "/" }, renamed, "NEW")).toBe("${OLD}");
  });
});
