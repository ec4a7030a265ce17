/**
 * The hostile-input suite's one check: a hostile request gets exactly the expected status and message, the service
 * answers a normal request right after it, and nothing stored changed: neither a row the project holds (audit entries
 * and change events included) nor the number of rows of any table.
 */
import { expect } from "vitest";
import { api, type ApiResponse } from "../helpers/api";
import { listSecrets, putSecret } from "../helpers/store";
import { storedRows } from "../helpers/stored-rows";
import { createSync, syncFixture, type SyncFixture } from "../helpers/sync-fixtures";

export interface HostileFixture extends SyncFixture {
  /** `/app`'s id */
  folderId: string;
  syncId: string;
  endpoint: { id: string; secret: string };
}

/**
 * A project for hostile requests to aim at: `/app` in dev (A = 1) and ROOT at `/`, a sync of `/app` to a simulated
 * Qovery, and a webhook endpoint. The sync's auto-sync is off, so nothing runs in the background while tests compare
 * stored rows.
 */
export async function hostileFixture(): Promise<HostileFixture> {
  const base = await syncFixture({ A: "1" }, "/app");
  await putSecret(base.project.id, "ROOT", "r");
  const folder = (await api.get("/api/v2/folders", { query: { projectId: base.project.id, environment: "dev" } })).body.folders[0];
  const sync = await createSync(base, { autoSyncEnabled: false });
  const endpoint = await api.post("/api/v1/webhooks/endpoints", { name: "hostile", projectId: base.project.id });
  return { ...base, folderId: folder.id, syncId: sync.id, endpoint: { id: endpoint.body.endpoint.id, secret: endpoint.body.secret } };
}

/** The API's answer is exactly `status` with `message` in Infisical's error envelope. */
export function expectRefusal(res: Pick<ApiResponse, "status" | "body">, status: number, message: string) {
  const answered = { status: res.status, statusCode: res.body?.statusCode, message: res.body?.message };
  expect(answered).toEqual({ status, statusCode: status, message });
}

/**
 * Runs `hostile` (which sends the hostile request and checks how it was refused), then `normal` (by default: list
 * the project's dev secrets at `/`, which must succeed), and checks the project's stored rows are exactly as before.
 */
export async function expectNoEffect(
  projectId: string,
  hostile: () => Promise<unknown>,
  normal: () => Promise<unknown> = () => listSecrets(projectId),
) {
  const before = await storedRows({ projectId });
  await hostile();
  await normal();
  expect(await storedRows({ projectId })).toEqual(before);
}
