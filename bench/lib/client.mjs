/** A minimal JSON client for the Worker under benchmark; any non-2xx answer throws with the API's message. */
export function createClient(baseUrl, token) {
  const call = async (method, path, { query, body } = {}) => {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v));
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url.pathname} → ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    get: (path, query) => call("GET", path, { query }),
    post: (path, body) => call("POST", path, { body }),
    patch: (path, body) => call("PATCH", path, { body }),
    delete: (path, body) => call("DELETE", path, { body }),
  };
}
