/** The destination allowlist: its request schema at the limits, which destinations each kind of entry allows, the refusal. */
import { describe, expect, it } from "vitest";
import {
  allowedDestinationsSchema,
  destinationAllowed,
  destinationRefusal,
  MAX_ALLOWED_DESTINATIONS,
  MAX_QOVERY_ID_LENGTH,
  parseAllowedDestinations,
  serializeAllowedDestinations,
  type AllowedDestination,
} from "../../src/connections/allowed-destinations";
import { allowedDestinationsText, parseAllowlistForm } from "../../src/console/allowlist-form";

const entries = (n: number): AllowedDestination[] => Array.from({ length: n }, (_, i) => ({ organizationId: `org-${i}` }));
const firstMessage = (input: unknown) => {
  const parsed = allowedDestinationsSchema.safeParse(input);
  return parsed.success ? null : parsed.error.issues[0]!.message;
};

describe("allowedDestinationsSchema", () => {
  it("takes up to MAX_ALLOWED_DESTINATIONS entries, and null to lift the restriction", () => {
    expect(allowedDestinationsSchema.parse(entries(MAX_ALLOWED_DESTINATIONS - 1))).toHaveLength(MAX_ALLOWED_DESTINATIONS - 1);
    expect(allowedDestinationsSchema.parse(entries(MAX_ALLOWED_DESTINATIONS))).toHaveLength(MAX_ALLOWED_DESTINATIONS);
    expect(firstMessage(entries(MAX_ALLOWED_DESTINATIONS + 1))).toBe(`allowedDestinations may list at most ${MAX_ALLOWED_DESTINATIONS} destinations`);
    expect(allowedDestinationsSchema.parse(null)).toBeNull();
    expect(allowedDestinationsSchema.parse([])).toEqual([]);
  });

  it("bounds and restricts ids", () => {
    const id = (n: number) => "a".repeat(n);
    expect(allowedDestinationsSchema.parse([{ organizationId: id(MAX_QOVERY_ID_LENGTH - 1) }])).toHaveLength(1);
    expect(allowedDestinationsSchema.parse([{ organizationId: id(MAX_QOVERY_ID_LENGTH) }])).toHaveLength(1);
    expect(firstMessage([{ organizationId: id(MAX_QOVERY_ID_LENGTH + 1) }])).toBe(`organizationId must be at most ${MAX_QOVERY_ID_LENGTH} characters`);
    expect(firstMessage([{ organizationId: "" }])).toBe("organizationId must not be empty");
    expect(firstMessage([{ organizationId: "org", projectId: "a/b" }])).toBe("projectId may only contain letters, digits, '-' and '_'");
    expect(firstMessage([{ organizationId: 7 }])).toBe("organizationId must be a string");
  });

  it("refuses an environment without its project, unknown keys and anything but a list", () => {
    expect(firstMessage([{ organizationId: "o", environmentId: "e" }])).toBe("an allowed destination with an environmentId must also name its projectId");
    expect(firstMessage([{ organizationId: "o", projectID: "p" }])).toBe("an allowed destination may only have organizationId, projectId and environmentId");
    expect(firstMessage({ organizationId: "o" })).toContain("allowedDestinations must be a list");
  });

  it("drops duplicates, keeping the first of each", () => {
    const parsed = allowedDestinationsSchema.parse([
      { organizationId: "o", projectId: "p" },
      { organizationId: "o" },
      { organizationId: " o ", projectId: "p" },
    ]);
    expect(parsed).toEqual([{ organizationId: "o", projectId: "p" }, { organizationId: "o" }]);
  });

  it("round-trips through the stored column", () => {
    const list = [{ organizationId: "o", projectId: "p", environmentId: "e" }];
    expect(parseAllowedDestinations(serializeAllowedDestinations(list))).toEqual(list);
    expect(parseAllowedDestinations(serializeAllowedDestinations(null))).toBeNull();
  });
});

describe("destinationAllowed", () => {
  const projectLevel = { organizationId: "o", projectId: "p" };
  const staging = { organizationId: "o", projectId: "p", environmentId: "staging" };
  const prod = { organizationId: "o", projectId: "p", environmentId: "prod" };
  const elsewhere = { organizationId: "o", projectId: "q", environmentId: "other" };
  const otherOrganization = { organizationId: "x", projectId: "p" };

  it.each([
    ["no list", null, [projectLevel, staging, prod, elsewhere, otherOrganization], []],
    ["an empty list", [], [], [projectLevel, staging, prod, elsewhere, otherOrganization]],
    ["an organization", [{ organizationId: "o" }], [projectLevel, staging, prod, elsewhere], [otherOrganization]],
    ["a project", [{ organizationId: "o", projectId: "p" }], [projectLevel, staging, prod], [elsewhere, otherOrganization]],
    ["an environment", [{ organizationId: "o", projectId: "p", environmentId: "staging" }], [staging], [projectLevel, prod, elsewhere, otherOrganization]],
    [
      "a project elsewhere and an environment",
      [{ organizationId: "o", projectId: "q" }, { organizationId: "o", projectId: "p", environmentId: "prod" }],
      [prod, elsewhere],
      [projectLevel, staging, otherOrganization],
    ],
  ] as const)("%s", (_, list, allowed, refused) => {
    for (const place of allowed) expect(destinationAllowed(list as AllowedDestination[] | null, place), JSON.stringify(place)).toBe(true);
    for (const place of refused) expect(destinationAllowed(list as AllowedDestination[] | null, place), JSON.stringify(place)).toBe(false);
  });

  it("names the connection and the destination when it refuses", () => {
    const connection = { name: "qovery-prod", allowedDestinations: [{ organizationId: "o", projectId: "q" }] };
    expect(destinationRefusal(connection, { organizationId: "o", projectId: "q" })).toBeNull();
    expect(destinationRefusal(connection, { organizationId: "o", projectId: "p", environmentId: "e" })).toBe(
      'The destination (Qovery organization "o", project "p", environment "e") is not among the allowed destinations of App Connection "qovery-prod"',
    );
    expect(destinationRefusal(connection, { organizationId: "o", projectId: "p" })).toBe(
      'The destination (Qovery organization "o", project "p" (project level)) is not among the allowed destinations of App Connection "qovery-prod"',
    );
  });
});

describe("the console's allowlist form", () => {
  it("reads one destination per line, and writes the list back the same way", () => {
    const text = "org-a\n\n  org-b/proj-1 \r\norg-b/proj-2/env-9\n";
    const parsed = parseAllowlistForm(true, text);
    expect(parsed).toEqual({
      ok: true,
      value: [{ organizationId: "org-a" }, { organizationId: "org-b", projectId: "proj-1" }, { organizationId: "org-b", projectId: "proj-2", environmentId: "env-9" }],
    });
    expect(allowedDestinationsText(parsed.ok ? parsed.value : null)).toBe("org-a\norg-b/proj-1\norg-b/proj-2/env-9");
    expect(allowedDestinationsText(null)).toBe("");
  });

  it("unchecked lifts the restriction; checked and empty allows nothing", () => {
    expect(parseAllowlistForm(false, "org-a")).toEqual({ ok: true, value: null });
    expect(parseAllowlistForm(true, " \n")).toEqual({ ok: true, value: [] });
  });

  it("names the line of a problem, and stops at the limit before parsing", () => {
    expect(parseAllowlistForm(true, "org-a\norg-b//env")).toEqual({ ok: false, error: "Line 2: write organization-id, organization-id/project-id or organization-id/project-id/environment-id" });
    expect(parseAllowlistForm(true, "a/b/c/d")).toMatchObject({ ok: false, error: expect.stringMatching(/^Line 1: /) });
    expect(parseAllowlistForm(true, "org-a\n\norg b")).toEqual({ ok: false, error: "Line 3: organizationId may only contain letters, digits, '-' and '_'" });
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `org-${i}`).join("\n");
    expect(parseAllowlistForm(true, lines(MAX_ALLOWED_DESTINATIONS))).toMatchObject({ ok: true });
    expect(parseAllowlistForm(true, lines(MAX_ALLOWED_DESTINATIONS + 1))).toEqual({
      ok: false,
      error: `At most ${MAX_ALLOWED_DESTINATIONS} destinations are allowed (${MAX_ALLOWED_DESTINATIONS + 1} lines given)`,
    });
  });
});
