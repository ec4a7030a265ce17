import type { Context, Hono } from "hono";
import { z } from "zod";
import { requireAccess } from "../auth/context";
import { recordAudit } from "../audit/audit-log";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id } from "../http/schemas";
import { callerAddress, throttle } from "../http/throttle";
import { loadKeyRing } from "../lib/crypto";
import { triggerDeps } from "../triggers/auto-sync";
import * as notifications from "../triggers/notifications";
import * as endpoints from "../triggers/webhook-endpoints";
import { readBodyLimited, receiveSecretChange } from "../triggers/webhook-receiver";
import { webhookSettings } from "../triggers/webhook-settings";
import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "../triggers/webhook-signature";

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

async function endpointFor(c: Context<AppEnv>, endpointId: string, scope: "webhooks:read" | "webhooks:write") {
  const row = await endpoints.getEndpointRow(createDb(c.env.DB), endpointId);
  requireAccess(c.get("auth"), scope, row.projectId);
  return row;
}

async function subscriptionFor(c: Context<AppEnv>, subscriptionId: string, scope: "webhooks:read" | "webhooks:write") {
  const row = await notifications.getSubscriptionRow(createDb(c.env.DB), subscriptionId);
  requireAccess(c.get("auth"), scope, row.projectId);
  return row;
}

export function registerWebhookRoutes(app: Hono<AppEnv>) {
  // ----- inbound endpoints

  defineRoute(
    app,
    { method: "post", path: ENDPOINTS, tag: TAG, summary: "Create an inbound webhook endpoint (its whsec_ signing secret is returned once)", body: createEndpointBody },
    async (c, { body }) => {
      requireAccess(c.get("auth"), "webhooks:write", body.projectId);
      const created = await endpoints.createEndpoint(createDb(c.env.DB), await loadKeyRing(c.env.ENCRYPTION_KEY), body);
      await recordAudit(c, { action: "webhook-endpoint.create", projectId: body.projectId, targetType: "webhook-endpoint", targetId: created.endpoint.id, metadata: { name: body.name } });
      return c.json({ endpoint: withReceiverUrl(c, created.endpoint), secret: created.secret });
    },
  );

  defineRoute(app, { method: "get", path: ENDPOINTS, tag: TAG, summary: "List a project's inbound webhook endpoints (never their secrets)", query: projectQuery }, async (c, { query }) => {
    requireAccess(c.get("auth"), "webhooks:read", query.projectId);
    const list = await endpoints.listEndpoints(createDb(c.env.DB), query.projectId);
    return c.json({ endpoints: list.map((e) => withReceiverUrl(c, e)) });
  });

  defineRoute(app, { method: "get", path: `${ENDPOINTS}/:endpointId`, tag: TAG, summary: "Get an inbound webhook endpoint", params: endpointParams }, async (c, { params }) => {
    const row = await endpointFor(c, params.endpointId, "webhooks:read");
    return c.json({ endpoint: withReceiverUrl(c, endpoints.publicEndpoint(row)) });
  });

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
      const row = await endpointFor(c, params.endpointId, "webhooks:write");
      const grace = body.gracePeriodSeconds ?? webhookSettings(c.env).secretGraceSeconds;
      const rotated = await endpoints.rotateEndpointSecret(createDb(c.env.DB), await loadKeyRing(c.env.ENCRYPTION_KEY), row, grace);
      await recordAudit(c, {
        action: "webhook-endpoint.rotate",
        projectId: row.projectId,
        targetType: "webhook-endpoint",
        targetId: row.id,
        metadata: { name: row.name, gracePeriodSeconds: grace },
      });
      return c.json({ endpoint: withReceiverUrl(c, rotated.endpoint), secret: rotated.secret });
    },
  );

  defineRoute(app, { method: "delete", path: `${ENDPOINTS}/:endpointId`, tag: TAG, summary: "Delete an inbound webhook endpoint (revokes its secrets)", params: endpointParams }, async (c, { params }) => {
    const row = await endpointFor(c, params.endpointId, "webhooks:write");
    const endpoint = await endpoints.deleteEndpoint(createDb(c.env.DB), row);
    await recordAudit(c, { action: "webhook-endpoint.delete", projectId: row.projectId, targetType: "webhook-endpoint", targetId: row.id, metadata: { name: row.name } });
    return c.json({ endpoint: withReceiverUrl(c, endpoint) });
  });

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
    async (c, { body }) => {
      requireAccess(c.get("auth"), "webhooks:write", body.projectId);
      const created = await notifications.createSubscription(createDb(c.env.DB), await loadKeyRing(c.env.ENCRYPTION_KEY), webhookSettings(c.env), body);
      await recordAudit(c, {
        action: "webhook-subscription.create",
        projectId: body.projectId,
        targetType: "webhook-subscription",
        targetId: created.subscription.id,
        metadata: { host: new URL(created.subscription.url).host, events: created.subscription.events },
      });
      return c.json(created);
    },
  );

  defineRoute(app, { method: "get", path: SUBSCRIPTIONS, tag: TAG, summary: "List a project's webhook subscriptions (never their secrets)", query: projectQuery }, async (c, { query }) => {
    requireAccess(c.get("auth"), "webhooks:read", query.projectId);
    return c.json({ subscriptions: await notifications.listSubscriptions(createDb(c.env.DB), query.projectId) });
  });

  defineRoute(
    app,
    { method: "get", path: `${SUBSCRIPTIONS}/:subscriptionId/deliveries`, tag: TAG, summary: "Recent deliveries of a subscription (status, attempts; newest first)", params: subscriptionParams },
    async (c, { params }) => {
      const row = await subscriptionFor(c, params.subscriptionId, "webhooks:read");
      return c.json({ deliveries: await notifications.listDeliveries(createDb(c.env.DB), row.id) });
    },
  );

  defineRoute(app, { method: "delete", path: `${SUBSCRIPTIONS}/:subscriptionId`, tag: TAG, summary: "Delete a webhook subscription", params: subscriptionParams }, async (c, { params }) => {
    const row = await subscriptionFor(c, params.subscriptionId, "webhooks:write");
    const subscription = await notifications.deleteSubscription(createDb(c.env.DB), row);
    await recordAudit(c, { action: "webhook-subscription.delete", projectId: row.projectId, targetType: "webhook-subscription", targetId: row.id, metadata: { host: new URL(row.url).host } });
    return c.json({ subscription });
  });
}
