/** The Qovery simulator's control API (`/__sim/...`), for benchmarks: tenants, settings, call log, stored rows. */
export function simulatorControl(baseUrl) {
  const call = async (method, path, body) => {
    const res = await fetch(`${baseUrl}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${method} ${path} → ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    /** a fresh organization with its own token; returns the simulator's tenant summary */
    createTenant: (name) => call("POST", "/tenants", { name }),
    configure: (tenantId, changes) => call("PATCH", `/tenants/${tenantId}/config`, changes),
    clearCalls: (tenantId) => call("DELETE", `/tenants/${tenantId}/calls`),
    calls: async (tenantId) => (await call("GET", `/tenants/${tenantId}/calls`)).calls,
    variables: async (tenantId) => (await call("GET", `/tenants/${tenantId}/variables`)).variables,
  };
}
