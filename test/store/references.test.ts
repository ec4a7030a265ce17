import { describe, expect, it } from "vitest";
import {
  createExpander,
  MAX_REFERENCE_DEPTH,
  parseReference,
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

  it("memoises shared references but never reuses a resolution that needs more depth than is left", () => {
    const values = chain(MAX_REFERENCE_DEPTH);
    const src = source(values);
    const expander = createExpander(src);
    // K5 resolves in 5 hops from itself and is cached; from K0 it sits 5 hops down, which still fits.
    expect(expander.expandSecret({ environment: "dev", secretPath: "/", key: "K5" }).unresolved).toEqual([]);
    expect(expander.expandSecret({ environment: "dev", secretPath: "/", key: "K0" }).unresolved).toEqual([]);
    const readsAfterTwo = src.reads;
    expander.expandSecret({ environment: "dev", secretPath: "/", key: "K0" });
    expect(src.reads - readsAfterTwo).toBe(1);
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
