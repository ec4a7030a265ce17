import { requireAccess, type AuthContext } from "../auth/context";
import type { Scope } from "../auth/scopes";
import { ApiError } from "../lib/errors";

/** Whether the caller may use `scope` on the project, by the very rule the API enforces (used to show or hide UI). */
export function allows(auth: AuthContext, scope: Scope, projectId?: string | null): boolean {
  try {
    requireAccess(auth, scope, projectId);
    return true;
  } catch (error) {
    if (error instanceof ApiError) return false;
    throw error;
  }
}
