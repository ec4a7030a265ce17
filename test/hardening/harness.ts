/**
 * The hostile-input suite's one check: a hostile request gets exactly the expected status and message, the service
 * answers a normal request right after it, and nothing stored changed: neither a row the project holds (audit entries
 * and change events included) nor the number of rows of any table.
 */
import { expect } from "vitest";
import type { ApiResponse } from "../helpers/api";
import { listSecrets } from "../helpers/store";
import { storedRows } from "../helpers/stored-rows";

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
