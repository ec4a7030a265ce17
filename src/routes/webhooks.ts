import type { Context, Hono } from "hono";
import { z } from "zod";
import { actingAs } from "../auth/context";
import { configOf } from "../config";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id } from "../lib/schemas";
import { callerAddress, throttle } from "../http/throttle";
import { loadKeyRing } from "../lib/crypto";
import { triggerDeps } from "../triggers/auto-sync";
import * as notifications from "../notifications/subscriptions";
import * as endpoints from "../triggers/webhook-endpoints";
import { readBodyLimited, receiveSecretChange } from "../triggers/webhook-receiver";
import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "../lib/webhook-signature";

const TAG = "Webhooks";
const ENDPOINTS = "/api/v1/webhooks/endpoints";
const SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions";

const name = displayName("name");
const projectQuery = z.object({ projectId: id("projectId") });
const endpointParams = z.object({ endpointId: id("endpointId") });
const subscriptionParams = z.object({ subscriptionId: id("subscriptionId") });
const MAX_GRACE_SECONDS = 7 * 24 * 3600;

const createEndpointBody = z.object({ name, projectId: id("projectId") });
/** the body may be left out entirely (no JSON content type): the grace period is then WEBHOOK_SECRET_GRACE_SECONDS */
const rotateBody = z.object({
  gracePeriodSeconds: z
    .number({ error: "gracePeriodSeconds must be a number" })
    .int("gracePeriodSeconds must be an integer")
    .min(0, "gracePeriodSeconds must be at least 0")
    .max(MAX_GRACE_SECONDS, `gracePeriodSeconds must be at most ${MAX_GRACE_SECONDS}`)
    .optional(),
});
const createSubscriptionBody = z.object({
  projectId: id("projectId"),
  url: z.string({ error: "url is required" }).trim().min(1, "url is required"),
  events: notifications.eventsSchema,
});

/** The absolute receiver URL for an endpoint, on the origin the caller used. */
const withReceiverUrl = (c: Context<AppEnv>, endpoint: endpoints.PublicWebhookEndpoint) => ({
  ...endpoint,
  receiverUrl: new URL(endpoint.receiverPath, c.req.url).toString(),
});

export function registerWebhookRoutes(app: Hono<AppEnv>) {
  // ----- inbound endpoints

  defineRoute(
    app,
    { method: "post", path: ENDPOINTS, tag: TAG, summary: "Create an inbound webhook endpoint (its whsec_ signing secret is returned once)", body: createEndpointBody },
    async (c, { body }) => {
      const created = await endpoints.createEndpoint(actingAs(c), await loadKeyRing(c.env.ENCRYPTION_KEY), body);
      return c.json({ endpoint: withReceiverUrl(c, created.endpoint), secret: created.secret });
    },
  );

  defineRoute(app, { method: "get", path: ENDPOINTS, tag: TAG, summary: "List a project's inbound webhook endpoints (never their secrets)", query: projectQuery }, async (c, { query }) => {
    const list = await endpoints.listEndpoints(actingAs(c), query.projectId);
    return c.json({ endpoints: list.map((e) => withReceiverUrl(c, e)) });
  });

  defineRoute(app, { method: "get", path: `${ENDPOINTS}/:endpointId`, tag: TAG, summary: "Get an inbound webhook endpoint", params: endpointParams }, async (c, { params }) =>
    c.json({ endpoint: withReceiverUrl(c, await endpoints.getEndpoint(actingAs(c), params.endpointId)) }),
  );

  defineRoute(
    app,
    {
      method: "post",
      path: `${ENDPOINTS}/:endpointId/rotate`,
      tag: TAG,
      summary: "Rotate an endpoint's signing secret (new secret returned once; the previous one stays valid for the grace period)",
      params: endpointParams,
      body: rotateBody,
    },
    async (c, { params, body }) => {
      const grace = body.gracePeriodSeconds ?? configOf(c.env).webhooks.secretGraceSeconds;
      const rotated = await endpoints.rotateEndpointSecret(actingAs(c), await loadKeyRing(c.env.ENCRYPTION_KEY), params.endpointId, grace);
      return c.json({ endpoint: withReceiverUrl(c, rotated.endpoint), secret: rotated.secret });
    },
  );

  defineRoute(app, { method: "delete", path: `${ENDPOINTS}/:endpointId`, tag: TAG, summary: "Delete an inbound webhook endpoint (revokes its secrets)", params: endpointParams }, async (c, { params }) =>
    c.json({ endpoint: withReceiverUrl(c, await endpoints.deleteEndpoint(actingAs(c), params.endpointId)) }),
  );

  // ----- the receiver (authenticated by its Standard Webhooks signature only)

  defineRoute(
    app,
    {
      method: "post",
      path: endpoints.RECEIVER_PATH,
      tag: TAG,
      summary:
        "Receive a signed secret-change notice {projectId, environment, secretPath, syncIds?} (?endpointId=…, webhook-id/-timestamp/-signature headers) and run the affected syncs",
      public: true,
    },
    async (c) => {
      await throttle(c.env.WEBHOOK_LIMITER, callerAddress((name) => c.req.header(name)), "Too many webhook notices from this address. Please try again in a minute.");
      const body = await readBodyLimited(c.req.raw);
      const result = await receiveSecretChange(
        { ...triggerDeps(c.env), log: c.get("log") },
        {
          endpointId: c.req.query(endpoints.ENDPOINT_QUERY_PARAM),
          id: c.req.header(WEBHOOK_ID_HEADER),
          timestamp: c.req.header(WEBHOOK_TIMESTAMP_HEADER),
          signature: c.req.header(WEBHOOK_SIGNATURE_HEADER),
          body,
          requestId: c.get("reqId"),
        },
      );
      return c.json(result.body, result.status);
    },
  );

  // ----- outbound subscriptions

  defineRoute(
    app,
    { method: "post", path: SUBSCRIPTIONS, tag: TAG, summary: "Subscribe a URL to sync events (its whsec_ signing secret is returned once)", body: createSubscriptionBody },
    async (c, { body }) => c.json(await notifications.createSubscription(actingAs(c), await loadKeyRing(c.env.ENCRYPTION_KEY), configOf(c.env).webhooks, body)),
  );

  defineRoute(app, { method: "get", path: SUBSCRIPTIONS, tag: TAG, summary: "List a project's webhook subscriptions (never their secrets)", query: projectQuery }, async (c, { query }) =>
    c.json({ subscriptions: await notifications.listSubscriptions(actingAs(c), query.projectId) }),
  );

  defineRoute(
    app,
    { method: "get", path: `${SUBSCRIPTIONS}/:subscriptionId/deliveries`, tag: TAG, summary: "Recent deliveries of a subscription (status, attempts; newest first)", params: subscriptionParams },
    async (c, { params }) => c.json({ deliveries: await notifications.listDeliveries(actingAs(c), params.subscriptionId) }),
  );

  defineRoute(app, { method: "delete", path: `${SUBSCRIPTIONS}/:subscriptionId`, tag: TAG, summary: "Delete a webhook subscription", params: subscriptionParams }, async (c, { params }) =>
    c.json({ subscription: await notifications.deleteSubscription(actingAs(c), params.subscriptionId) }),
  );
}
