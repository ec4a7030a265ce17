/** Small zod building blocks shared by route schemas. */
import { z } from "zod";

export const id = (field: string) => z.string({ error: `${field} is required` }).trim().min(1, `${field} is required`);

/** Infisical accepts only the literal strings "true" and "false" for boolean query parameters. */
export const booleanString = (field: string) =>
  z.enum(["true", "false"], { error: `${field} must be "true" or "false"` }).transform((v) => v === "true");

export const description = z.string().trim().max(256, "Description cannot exceed 256 characters").nullish();

export const isoDateTime = (field: string) => z.iso.datetime({ error: `${field} must be an ISO-8601 date-time`, offset: true });
