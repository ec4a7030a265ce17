/**
 * Fake Cloudflare Access teams for tests, served by vitest.config.ts's `outboundService` for every host under
 * `.cloudflareaccess.com` (the Worker fetches its signing keys there). Runs in the vitest (Node) process; each team
 * host has its own state, so test files stay apart by using their own team.
 *
 *   GET  https://<team>.cloudflareaccess.com/cdn-cgi/access/certs   the published key set {keys, public_cert, public_certs}
 *   PUT  https://<team>.cloudflareaccess.com/__team/keys           {keys: [JWK, …]} becomes the published key set
 *   POST https://<team>.cloudflareaccess.com/__team/keys           {keys: [JWK, …]} are published next to the others
 *                                                                  (for a team several test files share)
 *   PUT  https://<team>.cloudflareaccess.com/__team/status         {status}: the certs endpoint answers with it (outage)
 *   GET  https://<team>.cloudflareaccess.com/__team/fetches        {count}: how often the certs endpoint was fetched
 *
 * The test generates the key pairs and signs the tokens; this only publishes the public halves it is given.
 */
export const ACCESS_TEAM_SUFFIX = ".cloudflareaccess.com";

interface Team {
  keys: unknown[];
  status: number;
  fetches: number;
}

export function createAccessTeams() {
  const teams = new Map<string, Team>();
  const team = (host: string) => {
    let found = teams.get(host);
    if (!found) teams.set(host, (found = { keys: [], status: 200, fetches: 0 }));
    return found;
  };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const state = team(url.hostname);
    if (url.pathname === "/cdn-cgi/access/certs" && request.method === "GET") {
      state.fetches++;
      if (state.status !== 200) return new Response("unavailable", { status: state.status });
      return json({ keys: state.keys, public_cert: { kid: "pem", cert: "-----BEGIN CERTIFICATE-----" }, public_certs: [] });
    }
    if (url.pathname === "/__team/keys" && (request.method === "PUT" || request.method === "POST")) {
      const { keys } = (await request.json()) as { keys: unknown[] };
      state.keys = request.method === "PUT" ? keys : [...state.keys, ...keys];
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/__team/status" && request.method === "PUT") {
      state.status = ((await request.json()) as { status: number }).status;
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/__team/fetches" && request.method === "GET") return json({ count: state.fetches });
    return json({ error: "unknown fake Access call" }, 404);
  }

  return { fetch };
}
