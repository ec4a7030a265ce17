/**
 * The engine's own failures. They are not API errors: the services that the API and the console call turn them into
 * the answers those front ends give.
 */

/** Infisical's message for a sync whose source folder was deleted. */
export const FOLDER_MISSING = "Invalid source configuration: folder no longer exists. Please configure a valid source and try again.";

/** A sync whose source cannot be read as configured: its owner must fix the sync, a retry cannot. */
export class SyncSourceError extends Error {
  override name = "SyncSourceError";
}
