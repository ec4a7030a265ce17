/**
 * Every size and count a request can drive, in one place, so the checks, the README's Limits table and the tests
 * cite the same numbers. Lengths are in characters (UTF-16 code units, as `String.length` counts them) unless the
 * name says bytes.
 */

/** Whole request body (JSON or form), refused with 413 before any parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

// ----- folder paths: checked before anything else reads the path, so normalising stays linear and bounded

export const MAX_PATH_LENGTH = 1024;
/** Folders nest at most this deep (Infisical's cap), so a path has at most this many segments. */
export const MAX_PATH_DEPTH = 20;
/** Infisical's folder name column is a varchar(255). */
export const MAX_FOLDER_NAME_LENGTH = 255;

// ----- secrets

/** Infisical's secret key column is a varchar(500). */
export const MAX_SECRET_KEY_LENGTH = 500;
/**
 * Values are capped so a single secret cannot blow past D1's row and statement limits or a sync target's limits;
 * Infisical has no cap, 64 KiB comfortably covers certificates and JSON service-account keys.
 */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
/** As long as Infisical's other free-text note on a secret, the reminder note. */
export const MAX_SECRET_COMMENT_LENGTH = 1024;
export const MAX_REMINDER_NOTE_LENGTH = 1024;
export const MAX_METADATA_ENTRIES = 50;
/** Infisical's limits on a metadata entry: key 1–255 characters, value up to 1020. */
export const MAX_METADATA_KEY_LENGTH = 255;
export const MAX_METADATA_VALUE_LENGTH = 1020;
/** Tags are not supported (any tag is refused), but the list is still bounded. */
export const MAX_TAGS_PER_SECRET = 100;
/** `metadataFilter` conditions on a secret listing, as Infisical. */
export const MAX_METADATA_FILTER_CONDITIONS = 10;

// ----- lists in one request

/** Secrets per batch create, update or delete (v3 and v4). */
export const MAX_SECRETS_PER_BATCH = 1000;
/** Folders per batch folder update. */
export const MAX_FOLDERS_PER_BATCH = 100;
/** `syncIds` named by one inbound webhook notice. */
export const MAX_WEBHOOK_SYNC_IDS = 100;
export const MAX_RUNS_PER_PAGE = 100;
export const MAX_AUDIT_LOGS_PER_PAGE = 500;
/** Problems listed in one 422: a hostile list can fail once per item, and the answer must stay small. */
export const MAX_REPORTED_VALIDATION_ISSUES = 20;

// ----- reading: references and imports

/** `${...}` references followed in a chain; one more is left literal and reported (reason `depth`). */
export const MAX_REFERENCE_DEPTH = 10;
/** An expanded value may be as large as a stored one, so whatever reads or syncs it meets the same limit. */
export const MAX_EXPANDED_VALUE_BYTES = MAX_SECRET_VALUE_BYTES;
/**
 * Bytes one read may spend on expansion: every value it expands counts its size, intermediate ones included (each
 * once: resolutions are memoised), and a value found too large counts as MAX_EXPANDED_VALUE_BYTES; once a value does
 * not fit, nothing more is expanded in that read. It bounds the text a read holds (a Worker has 128 MB: 8 MiB of
 * expanded text and the response carrying it leave ample room) and the work, as each reference followed adds at
 * least a byte to the value being expanded.
 */
export const MAX_EXPANSION_BYTES_PER_READ = 8 * 1024 * 1024;
/** Infisical follows nested imports at most this deep. */
export const MAX_IMPORT_DEPTH = 10;
/** Imports one folder may have (Infisical sets no limit); creating one more is refused. */
export const MAX_IMPORTS_PER_FOLDER = 20;
/**
 * Folders one read may reach through imports, nested ones included, each counted once: what a read loads and merges
 * grows with it. A read that would reach more is refused whole, never cut short: a partial source would make a sync
 * delete the keys of the folders left out.
 */
export const MAX_IMPORTED_FOLDERS_PER_READ = 100;

// ----- webhooks in and out

/** Largest accepted secret-change notice body; a notice is a few hundred bytes. */
export const RECEIVER_MAX_BODY_BYTES = 64 * 1024;
export const MAX_ENDPOINTS_PER_PROJECT = 25;
export const MAX_SUBSCRIPTIONS_PER_PROJECT = 25;
export const MAX_NOTIFICATION_URL_LENGTH = 2048;

// ----- names

/** Display names: projects, environments, connections, identities, API tokens, webhook endpoints. */
export const MAX_NAME_LENGTH = 64;
export const MAX_DESCRIPTION_LENGTH = 256;
export const MAX_ENVIRONMENT_SLUG_LENGTH = 64;
export const MIN_PROJECT_SLUG_LENGTH = 5;
export const MAX_PROJECT_SLUG_LENGTH = 36;
export const MAX_SYNC_NAME_LENGTH = 256;
export const MAX_KEY_SCHEMA_LENGTH = 255;

// ----- console

/** Longest `next` (where to go after signing in) that is followed; a longer one is ignored. */
export const MAX_NEXT_LENGTH = 2048;
