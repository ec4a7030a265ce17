/**
 * `defineRoute` is how every API route is declared: one object names the method, path, zod schemas and the
 * required authentication, and the same object feeds request validation (through @hono/zod-validator) and the
 * OpenAPI document (`/api/openapi.json`). Route files stay thin: validate → call a service → shape the response.
 */
import { zValidator } from "@hono/zod-validator";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { validationFailure } from "../lib/errors";
import { authenticate } from "./authenticate";

export type Method = "get" | "post" | "put" | "patch" | "delete";

type AnySchema = z.ZodType;
type Empty = z.ZodObject<{}>;

export interface RouteDef<P extends AnySchema, Q extends AnySchema, B extends AnySchema> {
  method: Method;
  /** one path, or several aliases served by the same handler (e.g. legacy Infisical paths) */
  path: string | string[];
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** routes are authenticated unless marked public */
  public?: boolean;
  /** included in the OpenAPI document unless hidden */
  hidden?: boolean;
}

export interface RouteInput<P extends AnySchema, Q extends AnySchema, B extends AnySchema> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export type RouteHandler<P extends AnySchema, Q extends AnySchema, B extends AnySchema> = (
  c: Context<AppEnv>,
  input: RouteInput<P, Q, B>,
) => Response | Promise<Response>;

export interface RegisteredRoute {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  public: boolean;
  /** left out of the OpenAPI document */
  hidden: boolean;
  params?: AnySchema;
  query?: AnySchema;
  body?: AnySchema;
}

const registry = new Map<string, RegisteredRoute>();

/** Every route declared so far, hidden ones included (the OpenAPI document leaves those out; tests cover them all). */
export function registeredRoutes(): RegisteredRoute[] {
  return [...registry.values()];
}

const failOnInvalid = (result: { success: boolean; error?: { issues: z.core.$ZodIssue[] } }) => {
  if (!result.success) throw validationFailure(result.error!.issues);
};

export function defineRoute<P extends AnySchema = Empty, Q extends AnySchema = Empty, B extends AnySchema = Empty>(
  app: Hono<AppEnv>,
  def: RouteDef<P, Q, B>,
  handler: RouteHandler<P, Q, B>,
): void {
  const middleware: MiddlewareHandler<AppEnv>[] = [];
  if (!def.public) middleware.push(authenticate);
  if (def.params) middleware.push(zValidator("param", def.params, failOnInvalid) as unknown as MiddlewareHandler<AppEnv>);
  if (def.query) middleware.push(zValidator("query", def.query, failOnInvalid) as unknown as MiddlewareHandler<AppEnv>);
  if (def.body) middleware.push(zValidator("json", def.body, failOnInvalid) as unknown as MiddlewareHandler<AppEnv>);

  const run = (c: Context<AppEnv>) => {
    const valid = c.req.valid.bind(c.req) as unknown as (target: string) => unknown;
    return handler(c, {
      params: (def.params ? valid("param") : {}) as z.output<P>,
      query: (def.query ? valid("query") : {}) as z.output<Q>,
      body: (def.body ? valid("json") : {}) as z.output<B>,
    });
  };

  for (const path of Array.isArray(def.path) ? def.path : [def.path]) {
    app.on([def.method.toUpperCase()], [path], ...middleware, run);
    registry.set(`${def.method} ${path}`, {
      method: def.method,
      path,
      summary: def.summary,
      tag: def.tag,
      public: !!def.public,
      hidden: !!def.hidden,
      params: def.params,
      query: def.query,
      body: def.body,
    });
  }
}
