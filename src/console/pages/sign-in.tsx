import type { Credential } from "../../auth/context";
import { guardAuthFailures, resolveBearer } from "../../auth/middleware";
import { createSession, deleteSession, findSession, openSession, sessionState } from "../../auth/sessions";
import { callerAddress } from "../../http/throttle";
import { ApiError } from "../../lib/errors";
import type { ConsoleContext } from "../context";
import { dbOf } from "../deps";
import { readForm } from "../forms";
import { CsrfError } from "../middleware";
import { clearSessionCookie, csrfMatches, newSignInCookie, readConsoleCookie, writeConsoleCookie } from "../session";
import { nextPathFor, projectsUrl, signInUrl, type SignInReason } from "../urls";
import { Notice, PostForm, SubmitButton, TextField } from "../ui/components";
import { PRODUCT_NAME, renderPage } from "../ui/layout";

const REASONS: Record<SignInReason, string> = {
  expired: "Your session expired. Sign in again to continue.",
  revoked: "Your session ended: an administrator signed everyone out, or the token it used was revoked or has expired.",
  "signed-out": "You are signed out.",
  "signed-out-everywhere": "Every console session has been signed out, including this one.",
};

function SignInForm({ csrf, next, error }: { csrf: string; next?: string; error?: string }) {
  return (
    <PostForm action="/sign-in" csrf={csrf} label="Sign in">
      <input type="hidden" name="next" value={next ?? ""} />
      <TextField
        label="Token"
        name="token"
        type="password"
        required
        error={error}
        hint={
          <>
            An API token (<code>qsk_…</code>), a machine identity access token (<code>qsa_…</code>) or the admin token. With <code>npm run dev</code>, the admin
            token is printed in the terminal and kept in <code>.dev.vars</code>. What you can see and change here is limited by the token's scopes.
          </>
        }
      />
      <SubmitButton busy="Signing in…">Sign in</SubmitButton>
    </PostForm>
  );
}

async function renderSignIn(c: ConsoleContext, options: { next?: string; error?: string; reason?: string }, status: 200 | 401 | 422 | 429 = 200) {
  // The sign-in cookie gives the form its CSRF token (kept across reloads and other tabs); signing in replaces it.
  const { cookie: existing } = await readConsoleCookie(c);
  const cookie = existing?.kind === "sign-in" ? existing : newSignInCookie();
  if (cookie !== existing) await writeConsoleCookie(c, cookie);
  c.set("csrf", cookie.csrf);
  const reason = options.reason && Object.hasOwn(REASONS, options.reason) ? REASONS[options.reason as SignInReason] : undefined;
  return renderPage(
    c,
    "Sign in",
    <section class="signin card">
      <h1>Sign in to {PRODUCT_NAME}</h1>
      {reason ? <Notice tone="info">{reason}</Notice> : null}
      <SignInForm csrf={cookie.csrf} next={options.next} error={options.error} />
    </section>,
    status,
  );
}

export async function home(c: ConsoleContext) {
  const { cookie } = await readConsoleCookie(c);
  return c.redirect(cookie?.kind === "session" ? projectsUrl() : signInUrl(), 303);
}

export async function showSignIn(c: ConsoleContext) {
  const next = nextPathFor(c, c.req.query("next"));
  const { cookie } = await readConsoleCookie(c);
  if (cookie?.kind === "session") {
    const session = await openSession(c.env, dbOf(c), cookie.sessionId, (p) => c.executionCtx.waitUntil(p));
    if (session.state === "active") return c.redirect(next ?? projectsUrl(), 303);
  }
  return renderSignIn(c, { next, reason: c.req.query("reason") });
}

export async function signIn(c: ConsoleContext) {
  const form = await readForm(c);
  const next = nextPathFor(c, form.next);
  const token = (form.token ?? "").trim();
  if (!token) return renderSignIn(c, { next, error: "Enter a token." }, 422);
  const address = callerAddress((name) => c.req.header(name));
  // The same per-address budget as API logins: it bounds how many sessions one address can open.
  const { success } = await c.env.LOGIN_IP_LIMITER.limit({ key: address });
  if (!success) return renderSignIn(c, { next, error: "Too many sign-in attempts. Please try again in a minute." }, 429);
  let credential: Credential;
  try {
    // Failed tokens count against the address like failed API calls, so the form is no faster way to guess tokens.
    credential = await guardAuthFailures(c.env, address, () => resolveBearer(c.env, token, (p) => c.executionCtx.waitUntil(p)));
  } catch (error) {
    if (error instanceof ApiError && (error.statusCode === 401 || error.statusCode === 429)) return renderSignIn(c, { next, error: error.message }, error.statusCode);
    throw error;
  }
  const session = await createSession(c.env, dbOf(c), credential);
  await writeConsoleCookie(c, { kind: "session", sessionId: session.id });
  return c.redirect(next ?? projectsUrl(), 303);
}

/** Ends the session's row at once. A session that already ended signs out without a check; a live one needs its CSRF token. */
export async function signOut(c: ConsoleContext) {
  const { cookie } = await readConsoleCookie(c);
  if (cookie?.kind === "session") {
    const db = dbOf(c);
    const session = await findSession(db, cookie.sessionId);
    if (session) {
      const live = sessionState(session, Date.now()) === "active";
      if (live && !(await csrfMatches(session.csrfToken, (await c.req.parseBody())._csrf))) throw new CsrfError("The sign-out form's security token does not match this session");
      await deleteSession(db, session.id);
    }
  }
  clearSessionCookie(c);
  return c.redirect(signInUrl("signed-out"), 303);
}
