/**
 * Secret references, Infisical style: `${KEY}` names a secret in the same environment and folder as the secret
 * being expanded; `${env.folder.sub.KEY}` names one anywhere in the project (`${env.KEY}` is the env's root).
 *
 * Expansion is pure: it runs on a `ReferenceSource` (an in-memory snapshot), never on the database. Like Infisical,
 * a reference that cannot be resolved stays literal in the value; unlike Infisical, the expander also reports each
 * one and why (missing target, cycle, or chain deeper than MAX_REFERENCE_DEPTH), so callers that must not publish a
 * half-expanded value (the sync engine) can refuse to.
 *
 * Expansion has a budget, because a few hundred stored bytes of nested references (`A = ${B}${B}…`, `B = ${C}${C}…`)
 * describe values of any size. Sizes are added up before any string is built, so no value larger than
 * MAX_EXPANDED_VALUE_BYTES is ever assembled; a value that would be larger, or that comes after the read has spent
 * MAX_EXPANSION_BYTES_PER_READ, is not expanded at all: it stays as stored and is reported with its own `${KEY}`.
 *
 * A reader may only follow references into folders it may read: given `mayRead`, the expander refuses (throws
 * `ReferenceDeniedError`) on the first reference whose location it may not read, whether or not a secret is there, as
 * Infisical does. The sync engine reads as the system and passes none.
 */
import { utf8 } from "../lib/encoding";
import { MAX_EXPANDED_VALUE_BYTES, MAX_EXPANSION_BYTES_PER_READ, MAX_REFERENCE_DEPTH } from "../lib/limits";

/** `${` + letters, digits, `-`, `_`, `.` + `}`: no spaces, so `${ KEY }` is plain text. */
const TOKEN = /\$\{([A-Za-z0-9_.-]+)\}/g;

export interface SecretLocation {
  environment: string;
  secretPath: string;
}

export interface SecretAddress extends SecretLocation {
  key: string;
}

/**
 * `too-large` and `over-budget` name the secret itself: its expansion would pass MAX_EXPANDED_VALUE_BYTES, or come after
 * the read has spent MAX_EXPANSION_BYTES_PER_READ.
 */
export type UnresolvedReason = "missing" | "cycle" | "depth" | "too-large" | "over-budget";

export interface UnresolvedReference {
  /** the token as written, e.g. `${prod.db.PASSWORD}`; for a value over a limit, its own `${KEY}` */
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

/** A stored value scanned once per expander: its size and its distinct tokens, in order of first appearance. */
interface ParsedValue {
  text: string;
  /** UTF-8 bytes of `text` */
  bytes: number;
  /** UTF-8 bytes of `text` outside its tokens */
  literalBytes: number;
  tokens: { token: string; occurrences: number; target: SecretAddress | null }[];
}

function parseValue(text: string, origin: SecretLocation): ParsedValue {
  const occurrences = new Map<string, number>();
  for (const match of text.matchAll(TOKEN)) occurrences.set(match[0], (occurrences.get(match[0]) ?? 0) + 1);
  const tokens = [...occurrences].map(([token, count]) => ({ token, occurrences: count, target: parseReference(tokenBody(token), origin) }));
  const bytes = utf8(text).byteLength;
  // Tokens are ASCII: one byte per character.
  return { text, bytes, literalBytes: bytes - tokens.reduce((sum, t) => sum + t.occurrences * t.token.length, 0), tokens };
}

type ExpansionLimit = Extract<UnresolvedReason, "too-large" | "over-budget">;

interface Resolution extends ExpansionResult {
  /** UTF-8 bytes of `value` */
  bytes: number;
  /** the value could not be expanded within a limit (`value` is then empty) */
  limit?: ExpansionLimit;
  /** longest chain of references followed below this value */
  height: number;
  /** no cycle and no depth cut below: the result does not depend on where the expansion started */
  contextFree: boolean;
}

/** A reference to a location the reader may not read; `referenced` is where it points. */
export class ReferenceDeniedError extends Error {
  constructor(readonly referenced: SecretAddress) {
    super("reference to a secret the reader may not read");
    this.name = "ReferenceDeniedError";
  }
}

/** Whether the reader may read values at `location`; omitted, every location may be read. */
export type ReadCheck = (location: SecretLocation) => boolean;

export interface Expander {
  /** Expands the stored secret at `address`; the secret itself counts as visited, so `A = ${A}` is a cycle. */
  expandSecret(address: SecretAddress): ExpansionResult;
}

const NO_VALUE: ParsedValue = { text: "", bytes: 0, literalBytes: 0, tokens: [] };

/** Never memoised (contextFree: false): the budget belongs to the read, not to the value. */
const OVER_BUDGET: Resolution = { value: "", bytes: 0, unresolved: [], limit: "over-budget", height: 0, contextFree: false };

/**
 * An expander over one snapshot, for one read. Context-free resolutions are memoised per secret (a resolution that
 * met neither a cycle nor the depth cap is the same from every starting point), so expanding a whole folder whose
 * secrets share references costs each referenced secret once.
 *
 * Each resolution adds up its size as it follows references (a reference counts one byte until it is resolved) and
 * gives up as soon as the total passes MAX_EXPANDED_VALUE_BYTES; a value containing one that gave up gives up too, as
 * it would contain it. So no string over the limit is built, the work per value stays proportional to the limit however
 * far the references fan out, and MAX_EXPANSION_BYTES_PER_READ caps the sum.
 */
export function createExpander(source: ReferenceSource, mayRead: ReadCheck = () => true): Expander {
  const memo = new Map<string, Resolution>();
  const parsed = new Map<string, ParsedValue | null>();
  const chain = new Set<string>();
  let spent = 0;

  /** The stored value at `address`, scanned once; null when there is none (an empty value counts as none). */
  const parsedAt = (address: SecretAddress): ParsedValue | null => {
    const id = addressId(address);
    if (!parsed.has(id)) {
      const raw = source.valueAt(address);
      parsed.set(id, raw ? parseValue(raw, address) : null);
    }
    return parsed.get(id)!;
  };

  const resolveSecret = (address: SecretAddress, value: ParsedValue, depth: number): Resolution => {
    const id = addressId(address);
    const cached = memo.get(id);
    if (cached && depth + cached.height <= MAX_REFERENCE_DEPTH) return cached;
    chain.add(id);
    let resolution: Resolution;
    try {
      resolution = expandText(value, depth);
    } finally {
      // A refusal unwinds through here; the expander stays usable for the read's other secrets.
      chain.delete(id);
    }
    if (resolution.contextFree) memo.set(id, resolution);
    return resolution;
  };

  const expandText = (value: ParsedValue, depth: number): Resolution => {
    if (!value.tokens.length) return { value: value.text, bytes: value.bytes, unresolved: [], height: 0, contextFree: true };
    if (spent >= MAX_EXPANSION_BYTES_PER_READ) return OVER_BUDGET;
    const replacements = new Map<string, string>();
    const unresolved: UnresolvedReference[] = [];
    let bytes = value.literalBytes + value.tokens.reduce((sum, t) => sum + t.occurrences, 0);
    let height = 0;
    let contextFree = true;
    let limit: ExpansionLimit | undefined;
    for (const { token, occurrences, target } of value.tokens) {
      if (target && !mayRead(target)) throw new ReferenceDeniedError(target);
      const targetValue = target && parsedAt(target);
      let replacementBytes = token.length;
      if (!target || !targetValue) {
        unresolved.push({ reference: token, reason: "missing" });
      } else if (chain.has(addressId(target))) {
        // Infisical substitutes a revisited secret once more without expanding it again, so the loop stays visible.
        replacements.set(token, targetValue.text);
        replacementBytes = targetValue.bytes;
        unresolved.push({ reference: token, reason: "cycle" });
        contextFree = false;
      } else if (depth >= MAX_REFERENCE_DEPTH) {
        unresolved.push({ reference: token, reason: "depth" });
        contextFree = false;
      } else {
        const inner = resolveSecret(target, targetValue, depth + 1);
        height = Math.max(height, inner.height + 1);
        contextFree &&= inner.contextFree;
        // A value containing one that could not be expanded cannot be expanded either.
        if (inner.limit) {
          limit = inner.limit;
          break;
        }
        replacements.set(token, inner.value);
        replacementBytes = inner.bytes;
        // Not spread into push: a list can hold tens of thousands of references, more than a call takes arguments.
        for (const reference of inner.unresolved) unresolved.push(reference);
      }
      bytes += occurrences * (replacementBytes - 1);
      if (bytes > MAX_EXPANDED_VALUE_BYTES) {
        limit = "too-large";
        break;
      }
    }
    // A resolution costs what it added up, at most one value's worth; the first that does not fit ends expansion.
    const cost = Math.min(bytes, MAX_EXPANDED_VALUE_BYTES);
    if (spent + cost > MAX_EXPANSION_BYTES_PER_READ) {
      spent = MAX_EXPANSION_BYTES_PER_READ;
      return OVER_BUDGET;
    }
    spent += cost;
    if (limit) return { value: "", bytes: 0, unresolved: [], limit, height, contextFree };
    // One pass over the original text: substituted values are never scanned again at this level.
    const expanded = replacements.size ? value.text.replace(TOKEN, (token) => replacements.get(token) ?? token) : value.text;
    return { value: expanded, bytes, unresolved: dedupe(unresolved), height, contextFree };
  };

  return {
    expandSecret(address) {
      const value = parsedAt(address) ?? NO_VALUE;
      const resolution = resolveSecret(address, value, 0);
      if (resolution.limit) return { value: value.text, unresolved: [{ reference: `\${${address.key}}`, reason: resolution.limit }] };
      return { value: resolution.value, unresolved: resolution.unresolved };
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
