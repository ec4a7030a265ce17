import type { Hono } from "hono";
import { html, raw } from "hono/html";
import type { AppEnv } from "../env";
import { buildOpenApiDocument } from "../http/openapi";
import { defineRoute } from "../http/route";

export function registerDocsRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: "/api/openapi.json", tag: "Documentation", summary: "This API's OpenAPI document", public: true, hidden: true }, (c) =>
    c.json(buildOpenApiDocument(new URL(c.req.url).origin)),
  );

  // A self-contained page (no CDN assets: the API is often run offline) that renders the same document.
  defineRoute(app, { method: "get", path: "/api/docs", tag: "Documentation", summary: "Browsable API documentation", public: true, hidden: true }, (c) => {
    const doc = buildOpenApiDocument(new URL(c.req.url).origin);
    const sections = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => {
        const operation = op as { summary: string; tags: string[]; parameters: unknown[]; requestBody?: { content: { "application/json": { schema: unknown } } } };
        return html`<details>
          <summary><code class="m ${method}">${method.toUpperCase()}</code> <code>${path}</code> — ${operation.summary}</summary>
          ${operation.parameters.length ? html`<h4>Parameters</h4><pre>${JSON.stringify(operation.parameters, null, 2)}</pre>` : ""}
          ${operation.requestBody ? html`<h4>Body</h4><pre>${JSON.stringify(operation.requestBody.content["application/json"].schema, null, 2)}</pre>` : ""}
        </details>`;
      }),
    );
    return c.html(html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>${doc.info.title}</title>
          <style>
            ${raw(`body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}
            details{border-bottom:1px solid #ddd;padding:.4rem 0}pre{background:#f6f8fa;padding:.6rem;overflow:auto}
            .m{display:inline-block;min-width:4.5em;font-weight:bold}.get{color:#1a7f37}.post{color:#0969da}.patch,.put{color:#9a6700}.delete{color:#cf222e}`)}
          </style>
        </head>
        <body>
          <h1>${doc.info.title}</h1>
          <p>${doc.info.description} Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>.</p>
          ${sections}
        </body>
      </html>`);
  });
}
