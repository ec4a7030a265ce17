/** Builds the OpenAPI 3.1 document from the routes declared with `defineRoute` and their zod schemas. */
import { z } from "zod";
import { registeredRoutes, type RegisteredRoute } from "./route";

type JsonSchema = Record<string, unknown>;

const toJsonSchema = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "openapi-3.0" }) as JsonSchema;

const ERROR_ENVELOPE: JsonSchema = {
  type: "object",
  required: ["reqId", "statusCode", "message", "error"],
  properties: {
    reqId: { type: "string" },
    statusCode: { type: "integer" },
    message: { type: "string" },
    error: { type: "string" },
    details: {},
  },
};

function parameters(route: RegisteredRoute) {
  const out: JsonSchema[] = [];
  for (const [location, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      out.push({ name, in: location, required: location === "path" || required.has(name), schema: property });
    }
  }
  return out;
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

export function buildOpenApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of registeredRoutes().filter((r) => !r.hidden)) {
    const path = openApiPath(route.path);
    const errors = Object.fromEntries(
      (route.public ? ["400", "422", "429", "500"] : ["400", "401", "403", "404", "422", "500"]).map((code) => [
        code,
        { description: "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
      ]),
    );
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}`,
      security: route.public ? [] : [{ bearerAuth: [] }],
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: toJsonSchema(route.body) } } } } : {}),
      responses: { "200": { description: "Success" }, ...errors },
    };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Qovery Secret Sync API",
      version: "1.0.0",
      description: "Secret store and Qovery secret syncs, compatible with Infisical's API.",
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
      schemas: { Error: ERROR_ENVELOPE },
    },
    paths,
  };
}
