/**
 * One-line confirmations shown after a redirect. Only these codes travel in the URL, never free text, so a crafted
 * link cannot make the console display a message of the attacker's choosing.
 */
import type { Tone } from "./ui/components";

const NOTICES = {
  "project-created": ["ok", "Project created with the dev, staging and prod environments."],
  "secret-created": ["ok", "Secret added."],
  "secret-updated": ["ok", "Secret saved."],
  "secret-deleted": ["ok", "Secret deleted."],
  "folder-created": ["ok", "Folder created."],
  "connection-created": ["ok", "Qovery connection added: its token was accepted by Qovery."],
  "connection-deleted": ["ok", "Connection deleted."],
  "allowlist-saved": ["ok", "Allowed destinations saved. Every sync of this connection is checked against them before its next run."],
  "sync-created": ["ok", "Qovery Sync created."],
  "sync-updated": ["ok", "Sync saved."],
  "sync-deleted": ["ok", "Sync deleted."],
  "run-queued": ["info", "Sync queued: this page follows its progress."],
  "removal-queued": ["info", "Removal of this sync's secrets from Qovery is queued: this page follows its progress."],
  "delete-queued": ["info", "The sync's secrets are being removed from Qovery; the sync is deleted once that succeeds."],
  "members-added": ["ok", "Added: they can sign in through Cloudflare Access with this role now."],
  "member-updated": ["ok", "Role changed: it applies from their next request."],
  "member-removed": ["ok", "Member removed: their access to this project has ended."],
  "role-created": ["ok", "Role created."],
  "role-updated": ["ok", "Role saved: everyone holding it has the new rules from their next request."],
  "role-deleted": ["ok", "Role deleted."],
} as const satisfies Record<string, [Tone, string]>;

export type NoticeCode = keyof typeof NOTICES;

export function noticeFor(code: string | undefined): { tone: Tone; text: string } | null {
  if (!code || !(code in NOTICES)) return null;
  const [tone, text] = NOTICES[code as NoticeCode];
  return { tone, text };
}
