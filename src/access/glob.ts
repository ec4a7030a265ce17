/**
 * `$glob` matching for permission conditions, segment by segment, without building a regular expression.
 *
 * A pattern and a value are split on "/" into segments. `**` as a whole segment matches zero or more segments; inside
 * a segment `*` matches any run of characters (possibly empty) and `?` exactly one. Everything else is literal: the
 * rule schema only lets letters, digits, "_", "-", "/", "*" and "?" into a pattern, so there is nothing to escape.
 *
 * Infisical matches with picomatch (`strictSlashes: false`). For canonical paths this agrees with picomatch except in
 * two corners where picomatch refuses to let `**` match zero segments: right after the root when more segments follow
 * (`/**\/b` does not match `/b` there) and right after a segment that ends in `*` (`/a/*\/**` does not match `/a/b`
 * there). Here `**` always means "zero or more segments", so both match. Braces, brackets, extglobs and negation are
 * not part of our syntax: the schema refuses them instead of reading them as literal text.
 *
 * The work is bounded: at most (segments of pattern + 1) × (segments of value + 1) cells, each comparing one pattern
 * segment with one value segment in time proportional to the product of their lengths.
 */

/** Longest path (or environment slug) a condition is evaluated against; longer values are never decided by a glob. */
export const MAX_MATCHED_VALUE_LENGTH = 1024;
/** Most "/"-separated segments a matched value may have. */
export const MAX_MATCHED_VALUE_SEGMENTS = 32;
/** Longest `$glob` pattern a rule may hold. */
export const MAX_GLOB_PATTERN_LENGTH = 256;

const GLOBSTAR = "**";

function segmentsOf(text: string): string[] {
  if (text === "/") return [];
  return (text.startsWith("/") ? text.slice(1) : text).split("/");
}

/** `*` and `?` within one segment; the classic two-pointer wildcard walk (no backtracking beyond the last `*`). */
function segmentMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
  let p = 0;
  let v = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === "*") {
      starAt = p++;
      resumeAt = v;
    } else if (starAt >= 0) {
      p = starAt + 1;
      v = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Whether `value` matches `pattern`; `undefined` when either is over the limits above, so the caller can treat the
 * condition as undecidable rather than guess.
 */
export function globMatches(pattern: string, value: string): boolean | undefined {
  if (pattern.length > MAX_GLOB_PATTERN_LENGTH || value.length > MAX_MATCHED_VALUE_LENGTH) return undefined;
  if (pattern === "") return false;
  const pat = segmentsOf(pattern);
  const val = segmentsOf(value);
  if (pat.length > MAX_MATCHED_VALUE_SEGMENTS || val.length > MAX_MATCHED_VALUE_SEGMENTS) return undefined;

  // below[j]: whether the pattern segments after segment i match the value segments from j on (filled from the end).
  let below = new Uint8Array(val.length + 1);
  below[val.length] = 1;
  for (let i = pat.length - 1; i >= 0; i--) {
    const segment = pat[i]!;
    const row = new Uint8Array(val.length + 1);
    for (let j = val.length; j >= 0; j--) {
      if (segment === GLOBSTAR) row[j] = below[j]! || (j < val.length ? row[j + 1]! : 0);
      else row[j] = j < val.length && below[j + 1] && segmentMatches(segment, val[j]!) ? 1 : 0;
    }
    below = row;
  }
  return below[0] === 1;
}
