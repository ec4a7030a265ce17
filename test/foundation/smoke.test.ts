import { describe, expect, it } from "vitest";
import { api, createProject } from "../helpers/api";

describe("smoke", () => {
  it("creates a project", async () => {
    const p = await createProject();
    expect(p.environments.map((e) => e.slug)).toEqual(["dev", "staging", "prod"]);
    const r = await api.get(`/api/v1/projects/${p.id}`);
    expect(r.status).toBe(200);
  });
});
