import { resolveBearer } from "../../auth/middleware";
import { callerAddress } from "../../http/throttle";
import { ApiError } from "../../lib/errors";
import type { ConsoleContext } from "../context";
import { readForm } from "../forms";
import { CsrfError } from "../middleware";
import { clearSessionCookie, csrfMatches, newSession, readSessionCookie, writeSessionCookie } from "../session";
import { projectsUrl, safeNextPath, signInUrl } from "../urls";
import { Notice, PostForm, SubmitButton, TextField } from "../ui/components";
import { PRODUCT_NAME, renderPage } from "../ui/layout";

const REASONS: Record<string, string> = {
  expired: "Your session expired. Sign in again to continue.",
  revoked: "Your session ended: the token it used was revoked or has expired.",
  "signed-out": "You are signed out.",
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
  // An anonymous session gives the form its CSRF token (kept across reloads and other tabs); signing in replaces it.
  const { session: existing } = await readSessionCookie(c);
  const session = existing && !existing.token ? existing : newSession(undefined);
  if (session !== existing) await writeSessionCookie(c, session);
  c.set("csrf", session.csrf);
  const reason = options.reason ? REASONS[options.reason] : undefined;
  return renderPage(
    c,
    "Sign in",
    <section class="signin card">
      <h1>Sign in to {PRODUCT_NAME}</h1>
      {reason ? <Notice tone="info">{reason}</Notice> : null}
      <SignInForm csrf={session.csrf} next={options.next} error={options.error} />
    </section>,
    status,
  );
}

export async function home(c: ConsoleContext) {
  const { session } = await readSessionCookie(c);
  return c.redirect(session?.token ? projectsUrl() : signInUrl(), 303);
}

export async function showSignIn(c: ConsoleContext) {
  const next = safeNextPath(c.req.query("next"));
  const { session } = await readSessionCookie(c);
  if (session?.token) {
    try {
      await resolveBearer(c.env, session.token, (p) => c.executionCtx.waitUntil(p));
      return c.redirect(next ?? projectsUrl(), 303);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  return renderSignIn(c, { next, reason: c.req.query("reason") });
}

export async function signIn(c: ConsoleContext) {
  const form = await readForm(c);
  const next = safeNextPath(form.next);
  const token = (form.token ?? "").trim();
  if (!token) return renderSignIn(c, { next, error: "Enter a token." }, 422);
  // The same per-address budget as API logins, so the form is no faster way to guess tokens.
  const { success } = await c.env.LOGIN_IP_LIMITER.limit({ key: callerAddress((name) => c.req.header(name)) });
  if (!success) return renderSignIn(c, { next, error: "Too many sign-in attempts. Please try again in a minute." }, 429);
  try {
    await resolveBearer(c.env, token, (p) => c.executionCtx.waitUntil(p));
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 401) return renderSignIn(c, { next, error: error.message }, 401);
    throw error;
  }
  await writeSessionCookie(c, newSession(token));
  return c.redirect(next ?? projectsUrl(), 303);
}

/** A session that already ended signs out without a token check; a live one needs its CSRF token. */
export async function signOut(c: ConsoleContext) {
  const { session } = await readSessionCookie(c);
  if (session && !(await csrfMatches(session.csrf, (await c.req.parseBody())._csrf))) throw new CsrfError("The sign-out form's security token does not match this session");
  clearSessionCookie(c);
  return c.redirect(signInUrl("signed-out"), 303);
}
