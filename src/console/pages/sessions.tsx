/** "Sign out everywhere": an admin ends every console session at once, their own included. */
import { requireAccess } from "../../auth/context";
import { allSessionsRevokedAudit, revokeAllSessions } from "../../auth/sessions";
import type { ConsoleContext } from "../context";
import { dbOf } from "../deps";
import { audit } from "../forms";
import { clearSessionCookie } from "../session";
import { PostForm, SubmitButton } from "../ui/components";
import { renderPage } from "../ui/layout";
import { SIGN_OUT_EVERYWHERE_URL, signInUrl } from "../urls";

export function signOutEverywherePage(c: ConsoleContext) {
  requireAccess(c.get("auth"), "admin");
  return renderPage(
    c,
    "Sign out everywhere",
    <PostForm action={SIGN_OUT_EVERYWHERE_URL} csrf={c.get("csrf")} label="Sign out everywhere">
      <section class="dialog" aria-labelledby="sign-out-everywhere">
        <h1 id="sign-out-everywhere">Sign out everywhere?</h1>
        <p>
          Every console session ends at once, in every browser and for every token, including this one. Tokens themselves keep working: to stop a
          token, revoke it.
        </p>
        <SubmitButton kind="danger" busy="Signing out…">
          Sign out everywhere
        </SubmitButton>
      </section>
    </PostForm>,
  );
}

export async function signOutEverywhere(c: ConsoleContext) {
  requireAccess(c.get("auth"), "admin");
  const revoked = await revokeAllSessions(dbOf(c));
  await audit(c, allSessionsRevokedAudit(revoked));
  clearSessionCookie(c);
  return c.redirect(signInUrl("signed-out-everywhere"), 303);
}
