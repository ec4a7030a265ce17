/**
 * The drizzle schema: one place that describes every D1 table.
 * Timestamps are ISO-8601 strings (the API returns them as such); ids are UUIDs.
 * Columns ending in `Ciphertext` hold AES-256-GCM envelopes from `lib/crypto.ts`, never plaintext.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => text("created_at").notNull();
const updatedAt = () => text("updated_at").notNull();

// ===== Projects and environments

export const projects = sqliteTable("projects", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  description: text("description"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const environments = sqliteTable(
  "environments",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    position: integer("position").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("environments_project_slug").on(t.projectId, t.slug)],
);

// ===== Secret store

export const folders = sqliteTable(
  "folders",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    environmentId: text("environment_id").notNull().references(() => environments.id, { onDelete: "cascade" }),
    /** null for the hidden root folder of an environment */
    parentId: text("parent_id"),
    name: text("name").notNull(),
    /** normalised absolute path: "/" for the root, "/a/b" below it */
    path: text("path").notNull(),
    description: text("description"),
    version: integer("version").notNull().default(1),
    /** bumped by every change event in this folder; auto-sync and caches key on it */
    changeCounter: integer("change_counter").notNull().default(0),
    lastSecretModified: text("last_secret_modified"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("folders_env_path").on(t.environmentId, t.path), index("folders_parent").on(t.parentId)],
);

export const secrets = sqliteTable(
  "secrets",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    environmentId: text("environment_id").notNull().references(() => environments.id, { onDelete: "cascade" }),
    folderId: text("folder_id").notNull().references(() => folders.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    type: text("type", { enum: ["shared", "personal"] }).notNull().default("shared"),
    valueCiphertext: text("value_ciphertext").notNull(),
    comment: text("comment").notNull().default(""),
    skipMultilineEncoding: integer("skip_multiline_encoding", { mode: "boolean" }).notNull().default(false),
    reminderNote: text("reminder_note"),
    reminderRepeatDays: integer("reminder_repeat_days"),
    metadataJson: text("metadata_json").notNull().default("[]"),
    version: integer("version").notNull().default(1),
    actorType: text("actor_type"),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("secrets_folder_key_type").on(t.folderId, t.key, t.type), index("secrets_env").on(t.environmentId)],
);

export const secretImports = sqliteTable(
  "secret_imports",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    /** the folder that imports */
    folderId: text("folder_id").notNull().references(() => folders.id, { onDelete: "cascade" }),
    importEnvironmentId: text("import_environment_id").notNull().references(() => environments.id, { onDelete: "cascade" }),
    importPath: text("import_path").notNull(),
    position: integer("position").notNull(),
    isReplication: integer("is_replication", { mode: "boolean" }).notNull().default(false),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("secret_imports_folder").on(t.folderId), index("secret_imports_source").on(t.importEnvironmentId, t.importPath)],
);

/** One row per store write (secrets, folders, imports); the single hook point for auto-sync. */
export const changeEvents = sqliteTable(
  "change_events",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull(),
    environmentId: text("environment_id").notNull(),
    environmentSlug: text("environment_slug").notNull(),
    folderId: text("folder_id"),
    path: text("path").notNull(),
    action: text("action").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("change_events_project").on(t.projectId, t.createdAt)],
);

// ===== Authentication

export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
  scopesJson: text("scopes_json").notNull(),
  /** a built-in or custom role slug, and explicit permission rules (JSON); with the scopes, what the token may do */
  role: text("role"),
  permissionsJson: text("permissions_json"),
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored */
  tokenHash: text("token_hash").notNull().unique(),
  /** first characters of the token, so a user can recognise it in a list */
  tokenPrefix: text("token_prefix").notNull(),
  expiresAt: text("expires_at"),
  revokedAt: text("revoked_at"),
  lastUsedAt: text("last_used_at"),
  createdAt: createdAt(),
});

export const identities = sqliteTable("identities", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
  scopesJson: text("scopes_json").notNull(),
  /** a built-in or custom role slug, and explicit permission rules (JSON); with the scopes, what the identity may do */
  role: text("role"),
  permissionsJson: text("permissions_json"),
  clientId: text("client_id").notNull().unique(),
  accessTokenTtl: integer("access_token_ttl").notNull(),
  accessTokenMaxTtl: integer("access_token_max_ttl").notNull(),
  revokedAt: text("revoked_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const identityClientSecrets = sqliteTable(
  "identity_client_secrets",
  {
    id: text("id").primaryKey(),
    identityId: text("identity_id").notNull().references(() => identities.id, { onDelete: "cascade" }),
    description: text("description").notNull().default(""),
    secretHash: text("secret_hash").notNull(),
    secretPrefix: text("secret_prefix").notNull(),
    revokedAt: text("revoked_at"),
    lastUsedAt: text("last_used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("identity_client_secrets_identity").on(t.identityId)],
);

export const identityAccessTokens = sqliteTable(
  "identity_access_tokens",
  {
    id: text("id").primaryKey(),
    identityId: text("identity_id").notNull().references(() => identities.id, { onDelete: "cascade" }),
    clientSecretId: text("client_secret_id").notNull().references(() => identityClientSecrets.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: text("expires_at").notNull(),
    /** renewals never extend past this instant */
    maxExpiresAt: text("max_expires_at").notNull(),
    revokedAt: text("revoked_at"),
    lastUsedAt: text("last_used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("identity_access_tokens_identity").on(t.identityId)],
);

/**
 * Signed-in console sessions. The browser's cookie holds only the sealed id; ending a row ends the session at once.
 * `subjectId` names the credential that signed in: an API token id, a machine-identity access token id, or for the
 * admin token a keyed fingerprint of it (so rotating ADMIN_TOKEN ends admin sessions). Never a token itself.
 */
export const consoleSessions = sqliteTable("console_sessions", {
  id: text("id").primaryKey(),
  subjectType: text("subject_type", { enum: ["admin", "api-token", "identity", "person"] }).notNull(),
  subjectId: text("subject_id").notNull(),
  /** the synchronizer token every console form carries */
  csrfToken: text("csrf_token").notNull(),
  createdAt: createdAt(),
  /** refreshed at most once a minute; idle expiry counts from it */
  lastSeenAt: text("last_seen_at").notNull(),
  /** absolute expiry, however active the session */
  expiresAt: text("expires_at").notNull(),
  revokedAt: text("revoked_at"),
});

// ===== People, roles and memberships

/** People who signed in through Cloudflare Access, by the email of their Access token. */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** lower-cased */
  email: text("email").notNull().unique(),
  createdAt: createdAt(),
  lastSignInAt: text("last_sign_in_at"),
});

/** A project's custom roles: a slug and Infisical-format permission rules (JSON). Built-in roles are not stored. */
export const projectRoles = sqliteTable(
  "project_roles",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    permissionsJson: text("permissions_json").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("project_roles_project_slug").on(t.projectId, t.slug)],
);

/** A person's role in a project (a built-in or custom role slug). */
export const projectMemberships = sqliteTable(
  "project_memberships",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("project_memberships_project_user").on(t.projectId, t.userId), index("project_memberships_user").on(t.userId)],
);

// ===== Audit log (never holds secret values or tokens)

export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id"),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    metadataJson: text("metadata_json").notNull().default("{}"),
    requestId: text("request_id"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_logs_project").on(t.projectId, t.createdAt)],
);

// ===== Qovery app connections

export const appConnections = sqliteTable(
  "app_connections",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    app: text("app").notNull(),
    method: text("method").notNull(),
    /** null = usable by every project */
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    credentialsCiphertext: text("credentials_ciphertext").notNull(),
    /** SHA-256 (hex) of the ciphertext, as Infisical exposes it */
    credentialsHash: text("credentials_hash").notNull(),
    /** Qovery destinations syncs may write to through this connection (JSON list); null = anywhere its token reaches */
    allowedDestinationsJson: text("allowed_destinations_json"),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("app_connections_project").on(t.projectId)],
);

// ===== Qovery secret syncs

export const secretSyncs = sqliteTable(
  "secret_syncs",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    destination: text("destination").notNull(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    /** the source; kept with the folder so a deleted folder (folderId → null) can still be named and re-resolved */
    environmentId: text("environment_id").references(() => environments.id, { onDelete: "set null" }),
    secretPath: text("secret_path").notNull(),
    folderId: text("folder_id").references(() => folders.id, { onDelete: "set null" }),
    connectionId: text("connection_id").notNull().references(() => appConnections.id),
    isEnabled: integer("is_enabled", { mode: "boolean" }).notNull().default(true),
    isAutoSyncEnabled: integer("is_auto_sync_enabled", { mode: "boolean" }).notNull().default(true),
    version: integer("version").notNull().default(1),
    destinationConfigJson: text("destination_config_json").notNull(),
    syncOptionsJson: text("sync_options_json").notNull(),
    syncStatus: text("sync_status"),
    lastSyncJobId: text("last_sync_job_id"),
    lastSyncMessage: text("last_sync_message"),
    lastSyncedAt: text("last_synced_at"),
    removeStatus: text("remove_status"),
    lastRemoveJobId: text("last_remove_job_id"),
    lastRemoveMessage: text("last_remove_message"),
    lastRemovedAt: text("last_removed_at"),
    /**
     * `<env slug>:<path>` locations the source read from at its last run (its folder, imported folders, referenced
     * folders): a change at one of them triggers auto-sync without reading the source again
     */
    sourceDependenciesJson: text("source_dependencies_json"),
    /** failed sync runs in a row; cron retries failed auto-sync syncs with delays growing with it */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    /** cron drift check: "in-sync" | "drifted" | null (never checked), when, and what (keys and kinds, never values) */
    driftStatus: text("drift_status"),
    lastDriftCheckAt: text("last_drift_check_at"),
    driftReportJson: text("drift_report_json"),
    /** delete the sync once its pending remove run succeeds (DELETE ?removeSecrets=true) */
    deleteAfterRemove: integer("delete_after_remove", { mode: "boolean" }).notNull().default(false),
    /** single-writer lease: the run holding it, until when, and a fencing token that grows with every take-over */
    leaseRunId: text("lease_run_id"),
    leaseExpiresAt: text("lease_expires_at"),
    leaseFence: integer("lease_fence").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("secret_syncs_project_name").on(t.projectId, t.name),
    index("secret_syncs_folder").on(t.folderId),
    index("secret_syncs_connection").on(t.connectionId),
  ],
);

export const syncRuns = sqliteTable(
  "sync_runs",
  {
    id: text("id").primaryKey(),
    syncId: text("sync_id").notNull().references(() => secretSyncs.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["sync", "remove"] }).notNull(),
    trigger: text("trigger").notNull(),
    status: text("status", { enum: ["pending", "running", "succeeded", "failed"] }).notNull(),
    /** tries of this run: the first, and each retry after transient Qovery failures (continuations are not tries) */
    attempts: integer("attempts").notNull().default(0),
    /** queue deliveries that worked on this run, continuations included */
    invocations: integer("invocations").notNull().default(0),
    message: text("message"),
    /** counts per plan action and outcome; never values */
    countsJson: text("counts_json").notNull().default("{}"),
    /** per-key outcomes of every key that was not unchanged; never values */
    resultsJson: text("results_json").notNull().default("[]"),
    qoveryCalls: integer("qovery_calls").notNull().default(0),
    /** who asked for the run (a person's email, a token's or identity's name; "system" for cron and auto-sync) */
    requestedByType: text("requested_by_type"),
    requestedById: text("requested_by_id"),
    requestedByName: text("requested_by_name"),
    createdAt: createdAt(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
  },
  (t) => [
    index("sync_runs_sync").on(t.syncId, t.createdAt),
    // at most one waiting run per sync and kind: later triggers join it
    uniqueIndex("sync_runs_one_pending").on(t.syncId, t.kind).where(sql`status = 'pending'`),
  ],
);

/** What each sync wrote in Qovery: ownership (a sync deletes only its own keys) and value fingerprints. */
export const syncLedger = sqliteTable(
  "sync_ledger",
  {
    syncId: text("sync_id").notNull().references(() => secretSyncs.id, { onDelete: "cascade" }),
    scope: text("scope", { enum: ["project", "environment"] }).notNull(),
    parentId: text("parent_id").notNull(),
    kind: text("kind", { enum: ["secret", "variable"] }).notNull(),
    destinationKey: text("destination_key").notNull(),
    sourceKey: text("source_key").notNull(),
    qoveryId: text("qovery_id").notNull(),
    /** `<keyId>:<hex HMAC-SHA256>` of (key, value) last pushed; the value itself is never stored here */
    fingerprint: text("fingerprint").notNull(),
    writtenAt: text("written_at").notNull(),
    /** Qovery's `updated_at` of the row right after our write: a later one means someone else edited it */
    qoveryUpdatedAt: text("qovery_updated_at"),
  },
  (t) => [
    // Qovery keys share one namespace per scope (secrets and variables alike), so one owner per key and place.
    uniqueIndex("sync_ledger_place_key").on(t.scope, t.parentId, t.destinationKey),
    index("sync_ledger_sync").on(t.syncId),
  ],
);

// ===== Webhooks: inbound endpoints (signed secret-change notices) and outbound notification subscriptions

/** A sender allowed to POST signed secret-change notices for one project; its secrets are Standard Webhooks `whsec_…` keys. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** the current signing secret (it must be usable for HMACs, so it is encrypted, not hashed) */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** the secret replaced by the last rotation, still accepted until `previousSecretExpiresAt` */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    rotatedAt: text("rotated_at"),
    lastReceivedAt: text("last_received_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("webhook_endpoints_project_name").on(t.projectId, t.name)],
);

/** `webhook-id`s accepted per endpoint, kept only while their timestamp is within the tolerance (replay protection). */
export const webhookReceipts = sqliteTable(
  "webhook_receipts",
  {
    endpointId: text("endpoint_id").notNull().references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    /** the message's `webhook-timestamp` (Unix seconds); a receipt older than the tolerance can be forgotten */
    timestamp: integer("timestamp").notNull(),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [uniqueIndex("webhook_receipts_endpoint_message").on(t.endpointId, t.messageId), index("webhook_receipts_timestamp").on(t.timestamp)],
);

/** An outbound receiver of sync events for one project. */
export const webhookSubscriptions = sqliteTable(
  "webhook_subscriptions",
  {
    id: text("id").primaryKey(),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** JSON array of event types */
    eventsJson: text("events_json").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_subscriptions_project").on(t.projectId)],
);

/** One event for one subscription: its `webhook-id` is the row id, reused by every retry. Never values. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    subscriptionId: text("subscription_id").notNull().references(() => webhookSubscriptions.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    syncId: text("sync_id").notNull(),
    runId: text("run_id"),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    nextAttemptAt: text("next_attempt_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_deliveries_subscription").on(t.subscriptionId, t.createdAt)],
);
