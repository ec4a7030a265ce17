/** Every test file runs under the D1 limits guard; a test during which any statement exceeded a limit fails. */
import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import { installD1Guard, takeD1Violations } from "../helpers/d1-guard";

installD1Guard(env.DB);

afterEach(() => {
  const found = takeD1Violations();
  if (found.length) throw new Error(`${found.length} statement(s) exceeded D1's limits during this test:\n${found.join("\n")}`);
});
