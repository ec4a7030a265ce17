import { z } from "zod";

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Infisical's slug rule: lowercase letters, digits and single hyphens, no leading or trailing hyphen. */
export function slugSchema(field: string, min: number, max: number) {
  return z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(min, `${field} must be at least ${min} character${min === 1 ? "" : "s"}`)
    .max(max, { message: `${field} must be at most ${max} characters`, abort: true })
    .regex(SLUG, `${field} can only contain lowercase letters, numbers, and hyphens`);
}

/** Best-effort slug from a display name ("My App!" → "my-app"). */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
