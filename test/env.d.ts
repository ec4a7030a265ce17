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
