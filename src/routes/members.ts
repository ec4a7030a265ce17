/** People's project memberships, at Infisical's paths (`/api/v1/projects/:projectId/memberships…`). */
import type { Hono } from "hono";
import { z } from "zod";
import { actingAs } from "../auth/context";
import { roleSlugSchema } from "../auth/grants";
import {
  addMembers,
  emailSchema,
  getMembership,
  listMemberships,
  MAX_EMAILS_PER_REQUEST,
  removeMembersByEmail,
  removeMembership,
  updateMembershipRole,
} from "../auth/people";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { id } from "../lib/schemas";

const TAG = "Project members";
const MEMBERSHIPS = "/api/v1/projects/:projectId/memberships";

const emailList = (field: string) =>
  z
    .array(emailSchema, { error: `${field} must be a list of email addresses` })
    .max(MAX_EMAILS_PER_REQUEST, `${field} may list at most ${MAX_EMAILS_PER_REQUEST} people`)
    .default([]);

// Infisical's `usernames` are emails here: people are known by the email Cloudflare Access vouches for.
const people = z.object({ emails: emailList("emails"), usernames: emailList("usernames") });
const addBody = people
  .extend({ roleSlugs: z.array(roleSlugSchema("roleSlugs")).length(1, "give exactly one role (roleSlugs: [slug])").optional() })
  .refine((b) => b.emails.length + b.usernames.length > 0, { message: "Name at least one person in emails", path: ["emails"] });
const updateBody = z.object({
  roles: z
    .array(z.object({ role: roleSlugSchema("role"), isTemporary: z.literal(false, { error: "temporary roles are not supported" }).default(false) }))
    .length(1, "a membership holds exactly one role"),
});

const projectParams = z.object({ projectId: id("projectId") });
const membershipParams = projectParams.extend({ membershipId: id("membershipId") });

export function registerMemberRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: MEMBERSHIPS, tag: TAG, summary: "List a project's members with their roles", params: projectParams }, async (c, { params }) =>
    c.json({ memberships: await listMemberships(actingAs(c), params.projectId) }),
  );

  defineRoute(app, { method: "get", path: `${MEMBERSHIPS}/:membershipId`, tag: TAG, summary: "Get a project membership", params: membershipParams }, async (c, { params }) =>
    c.json({ membership: await getMembership(actingAs(c), params.projectId, params.membershipId) }),
  );

  defineRoute(
    app,
    { method: "post", path: MEMBERSHIPS, tag: TAG, summary: "Add people by email with one role (default member); unknown people get a user row", params: projectParams, body: addBody },
    async (c, { params, body }) => {
      const role = body.roleSlugs?.[0] ?? "member";
      return c.json({ memberships: await addMembers(actingAs(c), params.projectId, [...body.emails, ...body.usernames], role) });
    },
  );

  defineRoute(
    app,
    { method: "patch", path: `${MEMBERSHIPS}/:membershipId`, tag: TAG, summary: "Change a member's role", params: membershipParams, body: updateBody },
    async (c, { params, body }) => {
      const membership = await updateMembershipRole(actingAs(c), params.projectId, params.membershipId, body.roles[0]!.role);
      return c.json({ roles: membership.roles, membership });
    },
  );

  defineRoute(app, { method: "delete", path: `${MEMBERSHIPS}/:membershipId`, tag: TAG, summary: "Remove a member (their access ends at once)", params: membershipParams }, async (c, { params }) =>
    c.json({ membership: await removeMembership(actingAs(c), params.projectId, params.membershipId) }),
  );

  defineRoute(app, { method: "delete", path: MEMBERSHIPS, tag: TAG, summary: "Remove members by email", params: projectParams, body: people }, async (c, { params, body }) =>
    c.json({ memberships: await removeMembersByEmail(actingAs(c), params.projectId, [...body.emails, ...body.usernames]) }),
  );
}
