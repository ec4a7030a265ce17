/**
 * One HTTP request to the Worker under benchmark, whatever its answer: `{ status, headers, text }`. `token` becomes a
 * bearer header; `body` is sent as JSON, `form` as a form; redirects are returned, not followed.
 */
export async function request(baseUrl, method, path, { token, query, body, form, headers = {} } = {}) {
  const url = new URL(path, baseUrl);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v));
  const res = await fetch(url, {
    method,
    redirect: "manual",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: form ? new URLSearchParams(form) : body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A minimal JSON client for the Worker under benchmark; any non-2xx answer throws with the API's message. */
export function createClient(baseUrl, token) {
  const call = async (method, path, { query, body } = {}) => {
    const res = await request(baseUrl, method, path, { token, query, body });
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} → ${res.status}: ${res.text.slice(0, 300)}`);
    return res.text ? JSON.parse(res.text) : undefined;
  };
  return {
    get: (path, query) => call("GET", path, { query }),
    post: (path, body) => call("POST", path, { body }),
    patch: (path, body) => call("PATCH", path, { body }),
    delete: (path, body) => call("DELETE", path, { body }),
  };
}
