/**
 * A minimal browser for console tests: one cookie jar, forms posted as a browser posts them, redirects returned (not
 * followed) so tests can check where they lead. Drives the Worker through its real fetch handler.
 */
import { env, exports } from "cloudflare:workers";

export const ORIGIN = "https://console.test";

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

/** The value of the first `name="..." value="..."` input in a page (hidden fields, CSRF token). */
export function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1]?.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'");
}

/** Every hidden input of a page's form, as the browser would send them back (last value of a name wins, like the server). */
export function hiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    fields[match[1]!] = match[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'");
  }
  return fields;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  /** the session's CSRF token, as read from the last page that had a form */
  csrf = "";

  constructor(readonly origin = ORIGIN) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (!value || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, init: { form?: Record<string, string>; accept?: string; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", this.cookieHeader());
    if (init.accept) headers.set("accept", init.accept);
    let body: string | undefined;
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    const res = await exports.default.fetch(new Request(new URL(path, this.origin), { method, headers, body, redirect: "manual" }));
    this.remember(res.headers);
    const html = await res.text();
    const csrf = inputValue(html, "_csrf");
    if (csrf) this.csrf = csrf;
    return { status: res.status, headers: res.headers, html, location: res.headers.get("location") };
  }

  get(path: string, accept?: string) {
    return this.request("GET", path, { accept });
  }

  /** Posts a form with the session's CSRF token (unless the fields carry their own `_csrf`). */
  post(path: string, fields: Record<string, string> = {}) {
    return this.request("POST", path, { form: { _csrf: this.csrf, ...fields } });
  }

  async signIn(token: string = env.ADMIN_TOKEN): Promise<Page> {
    await this.get("/sign-in");
    const page = await this.post("/sign-in", { token });
    if (page.status !== 303) throw new Error(`sign-in failed: ${page.status} ${page.html.slice(0, 500)}`);
    // The signed-in session has a new CSRF token; any page with a form shows it.
    await this.get("/projects");
    return page;
  }

  /** Follows a redirect the way a browser would (GET). */
  follow(page: Page) {
    if (!page.location) throw new Error(`not a redirect: ${page.status} ${page.html.slice(0, 300)}`);
    return this.get(page.location);
  }
}

/** The server-side session row a signed-in browser's cookie stands for (found by its CSRF token, which only it has). */
export const sessionRowOf = (browser: Browser) =>
  env.DB.prepare("select * from console_sessions where csrf_token = ?").bind(browser.csrf).first<{ id: string; subject_type: string; subject_id: string; last_seen_at: string; revoked_at: string | null }>();

/** Text content with tags removed and entities decoded, for assertions about what a reader sees. */
export const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
