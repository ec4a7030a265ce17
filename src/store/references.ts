/**
 * Secret references, Infisical style: `${KEY}` names a secret in the same environment and folder as the secret
 * being expanded; `${env.folder.sub.KEY}` names one anywhere in the project (`${env.KEY}` is the env's root).
 *
 * Expansion is pure: it runs on a `ReferenceSource` (an in-memory snapshot), never on the database. Like Infisical,
 * a reference that cannot be resolved stays literal in the value; unlike Infisical, the expander also reports each
 * one and why (missing target, cycle, or chain deeper than MAX_REFERENCE_DEPTH), so callers that must not publish a
 * half-expanded value (the sync engine) can refuse to.
 */

export const MAX_REFERENCE_DEPTH = 10;

/** `${` + letters, digits, `-`, `_`, `.` + `}`: no spaces, so `${ KEY }` is plain text. */
const TOKEN = /\$\{([A-Za-z0-9_.-]+)\}/g;

export interface SecretLocation {
  environment: string;
  secretPath: string;
}

export interface SecretAddress extends SecretLocation {
  key: string;
}

export type UnresolvedReason = "missing" | "cycle" | "depth";

export interface UnresolvedReference {
  /** the token as written, e.g. `${prod.db.PASSWORD}` */
  reference: string;
  reason: UnresolvedReason;
}

export interface ExpansionResult {
  value: string;
  unresolved: UnresolvedReference[];
}

/** The secrets an expansion may reach. `undefined` = no such secret. */
export interface ReferenceSource {
  valueAt(address: SecretAddress): string | undefined;
}

/** Resolves a token body relative to the secret that contains it; null when the body is malformed (`${a..B}`). */
export function parseReference(body: string, origin: SecretLocation): SecretAddress | null {
  const segments = body.split(".");
  if (segments.some((s) => s === "")) return null;
  if (segments.length === 1) return { ...origin, key: body };
  const folders = segments.slice(1, -1);
  return { environment: segments[0]!, secretPath: folders.length ? `/${folders.join("/")}` : "/", key: segments.at(-1)! };
}

function distinctTokens(value: string): string[] {
  return [...new Set(Array.from(value.matchAll(TOKEN), (m) => m[0]))];
}

const tokenBody = (token: string) => token.slice(2, -1);

/** Where a value's references point (for loading exactly the folders an expansion may need). */
export function referencedAddresses(value: string, origin: SecretLocation): SecretAddress[] {
  return distinctTokens(value)
    .map((token) => parseReference(tokenBody(token), origin))
    .filter((address): address is SecretAddress => address !== null);
}

const addressId = (a: SecretAddress) => `${a.environment}\u0000${a.secretPath}\u0000${a.key}`;

const sameAddress = (a: SecretAddress, b: SecretAddress) => a.environment === b.environment && a.secretPath === b.secretPath && a.key === b.key;

/**
 * Rewrites the references in `value` that point at `renamed` so they name `newKey` instead, keeping each token's
 * form (`${OLD}` → `${NEW}`, `${dev.api.OLD}` → `${dev.api.NEW}`).
 */
export function renameReferences(value: string, origin: SecretLocation, renamed: SecretAddress, newKey: string): string {
  return value.replace(TOKEN, (token, body: string) => {
    const target = parseReference(body, origin);
    if (!target || !sameAddress(target, renamed)) return token;
    const cut = body.lastIndexOf(".");
    return `\${${cut < 0 ? newKey : `${body.slice(0, cut + 1)}${newKey}`}}`;
  });
}

interface Resolution extends ExpansionResult {
  /** longest chain of references followed below this value */
  height: number;
  /** no cycle and no depth cut below: the result does not depend on where the expansion started */
  contextFree: boolean;
}

export interface Expander {
  /** Expands the stored secret at `address`; the secret itself counts as visited, so `A = ${A}` is a cycle. */
  expandSecret(address: SecretAddress): ExpansionResult;
}

/**
 * An expander over one snapshot. Context-free resolutions are memoised per secret (a resolution that met neither a
 * cycle nor the depth cap is the same from every starting point), so expanding a whole folder whose secrets share
 * references costs each referenced secret once.
 */
export function createExpander(source: ReferenceSource): Expander {
  const memo = new Map<string, Resolution>();
  const chain = new Set<string>();

  const resolveSecret = (address: SecretAddress, raw: string, depth: number): Resolution => {
    const id = addressId(address);
    const cached = memo.get(id);
    if (cached && depth + cached.height <= MAX_REFERENCE_DEPTH) return cached;
    chain.add(id);
    const resolution = expandText(raw, address, depth);
    chain.delete(id);
    if (resolution.contextFree) memo.set(id, resolution);
    return resolution;
  };

  const expandText = (text: string, origin: SecretLocation, depth: number): Resolution => {
    const replacements = new Map<string, string>();
    const unresolved: UnresolvedReference[] = [];
    let height = 0;
    let contextFree = true;
    for (const token of distinctTokens(text)) {
      const target = parseReference(tokenBody(token), origin);
      const raw = target ? source.valueAt(target) : undefined;
      if (!target || !raw) {
        unresolved.push({ reference: token, reason: "missing" });
        continue;
      }
      if (chain.has(addressId(target))) {
        // Infisical substitutes a revisited secret once more without expanding it again, so the loop stays visible.
        replacements.set(token, raw);
        unresolved.push({ reference: token, reason: "cycle" });
        contextFree = false;
        continue;
      }
      if (depth >= MAX_REFERENCE_DEPTH) {
        unresolved.push({ reference: token, reason: "depth" });
        contextFree = false;
        continue;
      }
      const inner = resolveSecret(target, raw, depth + 1);
      replacements.set(token, inner.value);
      unresolved.push(...inner.unresolved);
      height = Math.max(height, inner.height + 1);
      contextFree &&= inner.contextFree;
    }
    // One pass over the original text: substituted values are never scanned again at this level.
    const value = replacements.size ? text.replace(TOKEN, (token) => replacements.get(token) ?? token) : text;
    return { value, unresolved: dedupe(unresolved), height, contextFree };
  };

  return {
    expandSecret(address) {
      const { value, unresolved } = resolveSecret(address, source.valueAt(address) ?? "", 0);
      return { value, unresolved };
    },
  };
}

function dedupe(list: UnresolvedReference[]): UnresolvedReference[] {
  if (list.length < 2) return list;
  const seen = new Set<string>();
  return list.filter((u) => {
    const id = `${u.reason}:${u.reference}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
