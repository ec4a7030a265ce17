/**
 * A connection's destination allowlist: the Qovery places syncs may write to through it, whatever its token reaches.
 *
 * Each entry names a Qovery organization and, optionally, narrows it:
 * - `{ organizationId }` allows every project and environment of that organization;
 * - `{ organizationId, projectId }` allows the project itself (project-level syncs) and every environment in it;
 * - `{ organizationId, projectId, environmentId }` allows that one environment only (not the project level, whose
 *   variables every environment of the project inherits).
 * A destination is allowed when some entry matches it. No list at all (null) means no restriction; an empty list
 * allows nothing. Pure: the service checks syncs against it when they are created or changed, and the runner before
 * every run (the list can change after a sync was set up).
 */
import { z } from "zod";

/** Most entries one connection's allowlist may hold. */
export const MAX_ALLOWED_DESTINATIONS = 50;
/** Longest Qovery id an entry may name (Qovery's ids are 36-character UUIDs). */
export const MAX_QOVERY_ID_LENGTH = 64;

const QOVERY_ID = /^[A-Za-z0-9_-]+$/;

export interface AllowedDestination {
  organizationId: string;
  projectId?: string;
  environmentId?: string;
}

/** What a sync's destination configuration says about where it writes. */
export interface DestinationPlace {
  organizationId: string;
  projectId: string;
  environmentId?: string;
}

const qoveryId = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(MAX_QOVERY_ID_LENGTH, `${field} must be at most ${MAX_QOVERY_ID_LENGTH} characters`)
    .regex(QOVERY_ID, `${field} may only contain letters, digits, '-' and '_'`);

const UNKNOWN_KEY = "an allowed destination may only have organizationId, projectId and environmentId";

const entrySchema = z
  .strictObject(
    {
      organizationId: qoveryId("organizationId"),
      projectId: qoveryId("projectId").optional(),
      environmentId: qoveryId("environmentId").optional(),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? UNKNOWN_KEY : undefined) },
  )
  .refine((entry) => entry.environmentId === undefined || entry.projectId !== undefined, {
    message: "an allowed destination with an environmentId must also name its projectId",
    path: ["environmentId"],
  });

/** The request field: a list (duplicates dropped), or null to lift the restriction. */
export const allowedDestinationsSchema = z
  .array(entrySchema, { error: "allowedDestinations must be a list of { organizationId, projectId?, environmentId? } or null" })
  .max(MAX_ALLOWED_DESTINATIONS, `allowedDestinations may list at most ${MAX_ALLOWED_DESTINATIONS} destinations`)
  .nullable()
  .transform((list) => (list === null ? null : dedupe(list)));

function dedupe(list: AllowedDestination[]): AllowedDestination[] {
  const seen = new Set<string>();
  return list.filter((entry) => {
    const key = JSON.stringify([entry.organizationId, entry.projectId ?? null, entry.environmentId ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The stored column, as the API shows it. */
export function parseAllowedDestinations(json: string | null): AllowedDestination[] | null {
  return json === null ? null : (JSON.parse(json) as AllowedDestination[]);
}

export const serializeAllowedDestinations = (list: AllowedDestination[] | null): string | null =>
  list === null ? null : JSON.stringify(list);

function entryAllows(entry: AllowedDestination, place: DestinationPlace): boolean {
  if (entry.organizationId !== place.organizationId) return false;
  if (entry.projectId === undefined) return true;
  if (entry.projectId !== place.projectId) return false;
  return entry.environmentId === undefined || entry.environmentId === place.environmentId;
}

export function destinationAllowed(list: readonly AllowedDestination[] | null, place: DestinationPlace): boolean {
  return list === null || list.some((entry) => entryAllows(entry, place));
}

export function describePlace(place: DestinationPlace): string {
  const where = `Qovery organization "${place.organizationId}", project "${place.projectId}"`;
  return place.environmentId ? `${where}, environment "${place.environmentId}"` : `${where} (project level)`;
}

/** Why the connection may not write to `place`, or null when it may. */
export function destinationRefusal(
  connection: { name: string; allowedDestinations: readonly AllowedDestination[] | null },
  place: DestinationPlace,
): string | null {
  if (destinationAllowed(connection.allowedDestinations, place)) return null;
  return `The destination (${describePlace(place)}) is not among the allowed destinations of App Connection "${connection.name}"`;
}
