/** Counting the D1 statements a request or a store call makes, to show a read costs a fixed number of queries. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app";

/** A D1 binding that counts the statements prepared through it (each query, batched or not, is one). */
export function countingD1(d1: D1Database) {
  const counter = { statements: 0 };
  const db = new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => {
          counter.statements++;
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, counter };
}

/** Serves one request through the app with a counting D1 binding. */
export async function countedGet(path: string, query: Record<string, string>) {
  const { db, counter } = countingD1(env.DB);
  const ctx = createExecutionContext();
  const url = new URL(path, "https://sync.test");
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await createApp().fetch(new Request(url, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }), { ...env, DB: db }, ctx);
  await waitOnExecutionContext(ctx);
  return { counter, body: (await res.json()) as any, status: res.status };
}
