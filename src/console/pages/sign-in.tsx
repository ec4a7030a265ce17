import { accessAssertionOf, accessConfiguration, personFromAssertion, requestEmail } from "../../auth/access-sign-in";
import type { Credential } from "../../auth/context";
import { resolveBearer } from "../../auth/bearer";
import { guardAuthFailures } from "../../http/authenticate";
import { createSession, deleteSession, findSession, openSession, sessionState } from "../../auth/sessions";
import { callerAddress } from "../../http/throttle";
import { ApiError, unauthorized } from "../../lib/errors";
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
  revoked:
    "Your session ended: an administrator signed everyone out, the token it used was revoked or has expired, or Cloudflare Access no longer signs you in.",
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

/** With Cloudflare Access in front, a person whose assertion verifies signs in with one click (a POST, with the form's token). */
function AccessSignIn({ csrf, next, email }: { csrf: string; next?: string; email: string }) {
  return (
    <PostForm action="/sign-in" csrf={csrf} label="Sign in with Cloudflare Access">
      <input type="hidden" name="next" value={next ?? ""} />
      <input type="hidden" name="via" value="access" />
      <p>
        Cloudflare Access signed you in as <strong>{email}</strong>. What you can see and change here is set by your project memberships.
      </p>
      <SubmitButton busy="Signing in…">Continue as {email}</SubmitButton>
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
  // While Access's keys cannot be fetched, the token form still works.
  const unavailable = (error: unknown) => (error instanceof ApiError && error.statusCode === 503 ? null : Promise.reject(error));
  const person = await requestEmail(c.env, (name) => c.req.header(name), c.get("log")).catch(unavailable);
  return renderPage(
    c,
    "Sign in",
    <section class="signin card">
      <h1>Sign in to {PRODUCT_NAME}</h1>
      {reason ? <Notice tone="info">{reason}</Notice> : null}
      {person ? (
        <>
          <AccessSignIn csrf={cookie.csrf} next={options.next} email={person} />
          <h2>Or sign in with a token</h2>
        </>
      ) : null}
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
    const accessEmail = () => requestEmail(c.env, (name) => c.req.header(name), c.get("log"));
    const session = await openSession(c.env, dbOf(c), cookie.sessionId, (p) => c.executionCtx.waitUntil(p), accessEmail);
    if (session.state === "active") return c.redirect(next ?? projectsUrl(), 303);
  }
  return renderSignIn(c, { next, reason: c.req.query("reason") });
}

/** The person this request's Cloudflare Access assertion names (401 when Access is off or the assertion is missing). */
function accessCredential(c: ConsoleContext): Promise<Credential> {
  const access = accessConfiguration(c.env);
  const assertion = accessAssertionOf((name) => c.req.header(name));
  if (!access || !assertion) throw unauthorized("Cloudflare Access did not sign you in; sign in with a token");
  return personFromAssertion(access, dbOf(c), assertion, (p) => c.executionCtx.waitUntil(p), c.get("log"));
}

export async function signIn(c: ConsoleContext) {
  const form = await readForm(c);
  const next = nextPathFor(c, form.next);
  const viaAccess = form.via === "access";
  const token = (form.token ?? "").trim();
  if (!viaAccess && !token) return renderSignIn(c, { next, error: "Enter a token." }, 422);
  const address = callerAddress((name) => c.req.header(name));
  // The same per-address budget as API logins: it bounds how many sessions one address can open.
  const { success } = await c.env.LOGIN_IP_LIMITER.limit({ key: address });
  if (!success) return renderSignIn(c, { next, error: "Too many sign-in attempts. Please try again in a minute." }, 429);
  let credential: Credential;
  try {
    // Failed tokens count against the address like failed API calls, so the form is no faster way to guess tokens.
    const check = viaAccess ? () => accessCredential(c) : () => resolveBearer(c.env, token, (p) => c.executionCtx.waitUntil(p));
    credential = await guardAuthFailures(c.env, address, check);
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
