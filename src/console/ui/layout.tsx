import type { Child, FC } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Actor } from "../../access/actor";
import { isOrganizationAdmin } from "../../access/boundary";
import { consoleAssets, type ConsoleAssets } from "../assets";
import type { ConsoleContext } from "../context";
import { SIGN_OUT_EVERYWHERE_URL } from "../urls";
import { CsrfField } from "./components";

export const PRODUCT_NAME = "Secret Sync";

interface LayoutProps {
  title: string;
  assets: ConsoleAssets;
  nonce: string | undefined;
  /** the signed-in caller; absent on the sign-in page */
  actor?: Actor;
  csrf?: string;
  children: Child;
}

const CREDENTIAL_NAMES: Partial<Record<Actor["kind"], string>> = { "api-token": "token", identity: "identity" };

function describeActor(actor: Actor): string {
  if (actor.kind === "person") return `Signed in as ${actor.email}`;
  if (actor.kind === "admin") return "Signed in with the admin token";
  return `Signed in with the ${CREDENTIAL_NAMES[actor.kind] ?? actor.kind} “${actor.name}”`;
}

const Layout: FC<LayoutProps> = ({ title, assets, nonce, actor, csrf, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <link rel="icon" href="data:," />
      <title>{`${title} · ${PRODUCT_NAME}`}</title>
      <link rel="stylesheet" href={assets.style.path} integrity={assets.style.integrity} />
      <script src={assets.script.path} integrity={assets.script.integrity} nonce={nonce} defer></script>
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          {PRODUCT_NAME}
        </a>
        {actor ? (
          <>
            <nav aria-label="Main">
              <ul>
                <li>
                  <a href="/projects">Projects</a>
                </li>
                <li>
                  <a href="/api/docs">API docs</a>
                </li>
              </ul>
            </nav>
            <div class="who">
              <span class="hide-narrow">{describeActor(actor)}</span>
              {isOrganizationAdmin(actor) ? <a href={SIGN_OUT_EVERYWHERE_URL}>Sign out everywhere</a> : null}
              <form method="post" action="/sign-out">
                <CsrfField token={csrf ?? ""} />
                <button type="submit" class="secondary">
                  Sign out
                </button>
              </form>
            </div>
          </>
        ) : null}
      </header>
      <main id="main" tabindex={-1}>
        {children}
      </main>
    </body>
  </html>
);

/** Renders a full console page for the current caller. */
export async function renderPage(c: ConsoleContext, title: string, body: Child, status: ContentfulStatusCode = 200): Promise<Response> {
  const assets = await consoleAssets();
  const signedIn = c.get("csrf") !== undefined && c.get("actor") !== undefined;
  return c.html(
    <Layout title={title} assets={assets} nonce={c.get("secureHeadersNonce")} actor={signedIn ? c.get("actor") : undefined} csrf={c.get("csrf")}>
      {body}
    </Layout>,
    status,
  );
}
