CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`project_id` text,
	`scopes_json` text NOT NULL,
	`token_hash` text NOT NULL,
	`token_prefix` text NOT NULL,
	`expires_at` text,
	`revoked_at` text,
	`last_used_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `app_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`app` text NOT NULL,
	`method` text NOT NULL,
	`project_id` text,
	`credentials_ciphertext` text NOT NULL,
	`credentials_hash` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `app_connections_project` ON `app_connections` (`project_id`);--> statement-breakpoint
CREATE TABLE `audit_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`metadata_json` text DEFAULT '{}' NOT NULL,
	`request_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_logs_project` ON `audit_logs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `change_events` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`environment_slug` text NOT NULL,
	`folder_id` text,
	`path` text NOT NULL,
	`action` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `change_events_project` ON `change_events` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `environments` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`position` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `environments_project_slug` ON `environments` (`project_id`,`slug`);--> statement-breakpoint
CREATE TABLE `folders` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`parent_id` text,
	`name` text NOT NULL,
	`path` text NOT NULL,
	`description` text,
	`version` integer DEFAULT 1 NOT NULL,
	`change_counter` integer DEFAULT 0 NOT NULL,
	`last_secret_modified` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `folders_env_path` ON `folders` (`environment_id`,`path`);--> statement-breakpoint
CREATE INDEX `folders_parent` ON `folders` (`parent_id`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`project_id` text,
	`scopes_json` text NOT NULL,
	`client_id` text NOT NULL,
	`access_token_ttl` integer NOT NULL,
	`access_token_max_ttl` integer NOT NULL,
	`revoked_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_client_id_unique` ON `identities` (`client_id`);--> statement-breakpoint
CREATE TABLE `identity_access_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`identity_id` text NOT NULL,
	`client_secret_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`max_expires_at` text NOT NULL,
	`revoked_at` text,
	`last_used_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_secret_id`) REFERENCES `identity_client_secrets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_access_tokens_token_hash_unique` ON `identity_access_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `identity_access_tokens_identity` ON `identity_access_tokens` (`identity_id`);--> statement-breakpoint
CREATE TABLE `identity_client_secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`identity_id` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`secret_hash` text NOT NULL,
	`secret_prefix` text NOT NULL,
	`revoked_at` text,
	`last_used_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `identity_client_secrets_identity` ON `identity_client_secrets` (`identity_id`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`description` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_slug_unique` ON `projects` (`slug`);--> statement-breakpoint
CREATE TABLE `secret_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`folder_id` text NOT NULL,
	`import_environment_id` text NOT NULL,
	`import_path` text NOT NULL,
	`position` integer NOT NULL,
	`is_replication` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`folder_id`) REFERENCES `folders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`import_environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `secret_imports_folder` ON `secret_imports` (`folder_id`);--> statement-breakpoint
CREATE INDEX `secret_imports_source` ON `secret_imports` (`import_environment_id`,`import_path`);--> statement-breakpoint
CREATE TABLE `secret_syncs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`destination` text NOT NULL,
	`project_id` text NOT NULL,
	`environment_id` text,
	`secret_path` text NOT NULL,
	`folder_id` text,
	`connection_id` text NOT NULL,
	`is_enabled` integer DEFAULT true NOT NULL,
	`is_auto_sync_enabled` integer DEFAULT true NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`destination_config_json` text NOT NULL,
	`sync_options_json` text NOT NULL,
	`sync_status` text,
	`last_sync_job_id` text,
	`last_sync_message` text,
	`last_synced_at` text,
	`remove_status` text,
	`last_remove_job_id` text,
	`last_remove_message` text,
	`last_removed_at` text,
	`source_dependencies_json` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`drift_status` text,
	`last_drift_check_at` text,
	`drift_report_json` text,
	`delete_after_remove` integer DEFAULT false NOT NULL,
	`lease_run_id` text,
	`lease_expires_at` text,
	`lease_fence` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`folder_id`) REFERENCES `folders`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`connection_id`) REFERENCES `app_connections`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `secret_syncs_project_name` ON `secret_syncs` (`project_id`,`name`);--> statement-breakpoint
CREATE INDEX `secret_syncs_folder` ON `secret_syncs` (`folder_id`);--> statement-breakpoint
CREATE INDEX `secret_syncs_connection` ON `secret_syncs` (`connection_id`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`environment_id` text NOT NULL,
	`folder_id` text NOT NULL,
	`key` text NOT NULL,
	`type` text DEFAULT 'shared' NOT NULL,
	`value_ciphertext` text NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`skip_multiline_encoding` integer DEFAULT false NOT NULL,
	`reminder_note` text,
	`reminder_repeat_days` integer,
	`metadata_json` text DEFAULT '[]' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`actor_type` text,
	`actor_id` text,
	`actor_name` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`folder_id`) REFERENCES `folders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `secrets_folder_key_type` ON `secrets` (`folder_id`,`key`,`type`);--> statement-breakpoint
CREATE INDEX `secrets_env` ON `secrets` (`environment_id`);--> statement-breakpoint
CREATE TABLE `sync_ledger` (
	`sync_id` text NOT NULL,
	`scope` text NOT NULL,
	`parent_id` text NOT NULL,
	`kind` text NOT NULL,
	`destination_key` text NOT NULL,
	`source_key` text NOT NULL,
	`qovery_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`written_at` text NOT NULL,
	`qovery_updated_at` text,
	FOREIGN KEY (`sync_id`) REFERENCES `secret_syncs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sync_ledger_place_key` ON `sync_ledger` (`scope`,`parent_id`,`destination_key`);--> statement-breakpoint
CREATE INDEX `sync_ledger_sync` ON `sync_ledger` (`sync_id`);--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`sync_id` text NOT NULL,
	`kind` text NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`invocations` integer DEFAULT 0 NOT NULL,
	`message` text,
	`counts_json` text DEFAULT '{}' NOT NULL,
	`results_json` text DEFAULT '[]' NOT NULL,
	`qovery_calls` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	FOREIGN KEY (`sync_id`) REFERENCES `secret_syncs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sync_runs_sync` ON `sync_runs` (`sync_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `sync_runs_one_pending` ON `sync_runs` (`sync_id`,`kind`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`subscription_id` text NOT NULL,
	`event_type` text NOT NULL,
	`sync_id` text NOT NULL,
	`run_id` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`next_attempt_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `webhook_subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_subscription` ON `webhook_deliveries` (`subscription_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`previous_secret_ciphertext` text,
	`previous_secret_expires_at` text,
	`rotated_at` text,
	`last_received_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_endpoints_project_name` ON `webhook_endpoints` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `webhook_receipts` (
	`endpoint_id` text NOT NULL,
	`message_id` text NOT NULL,
	`timestamp` integer NOT NULL,
	`received_at` text NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_receipts_endpoint_message` ON `webhook_receipts` (`endpoint_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `webhook_receipts_timestamp` ON `webhook_receipts` (`timestamp`);--> statement-breakpoint
CREATE TABLE `webhook_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`url` text NOT NULL,
	`events_json` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_subscriptions_project` ON `webhook_subscriptions` (`project_id`);