CREATE TABLE `project_memberships` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `project_memberships_project_user` ON `project_memberships` (`project_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `project_memberships_user` ON `project_memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `project_roles` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`permissions_json` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `project_roles_project_slug` ON `project_roles` (`project_id`,`slug`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`created_at` text NOT NULL,
	`last_sign_in_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `role` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `permissions_json` text;--> statement-breakpoint
ALTER TABLE `app_connections` ADD `allowed_destinations_json` text;--> statement-breakpoint
ALTER TABLE `identities` ADD `role` text;--> statement-breakpoint
ALTER TABLE `identities` ADD `permissions_json` text;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `requested_by_type` text;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `requested_by_id` text;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `requested_by_name` text;