/** What a committed store write changed: one event per folder and action, recorded with the write. */
export type ChangeAction =
  | "secret.create"
  | "secret.update"
  | "secret.delete"
  | "folder.create"
  | "folder.update"
  | "folder.delete"
  | "secret-import.create"
  | "secret-import.update"
  | "secret-import.delete";

export interface StoreChange {
  projectId: string;
  environmentId: string;
  environmentSlug: string;
  /** null when no folder exists at `path` any more (deleted, or renamed away) */
  folderId: string | null;
  path: string;
  action: ChangeAction;
}

export interface ChangeEvent extends StoreChange {
  id: string;
  actorType: string;
  actorId: string;
  createdAt: string;
}
