declare namespace Cloudflare {
  interface Env {
    MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

/** A file bundled as text (vite's `?raw` import). */
declare module "*?raw" {
  const text: string;
  export default text;
}

/** vite's glob import, as the architecture tests use it: every matching file's text, eagerly, by path from the root. */
interface ImportMeta {
  glob<T>(pattern: string | string[], options: { query: "?raw"; import: "default"; eager: true }): Record<string, T>;
}
