/**
 * The console's static assets, addressed by content hash so they can be cached forever, and carrying their SRI
 * digest so the page refuses a script or stylesheet that is not byte-for-byte this one.
 */
import type { Context } from "hono";
import { toBase64, toHex, utf8 } from "../../lib/encoding";
import { CONSOLE_SCRIPT } from "./script";
import { CONSOLE_CSS } from "./style";

interface Asset {
  path: string;
  integrity: string;
  body: string;
  contentType: string;
}

export interface ConsoleAssets {
  script: Asset;
  style: Asset;
}

const ASSET_PREFIX = "/assets/";

async function describe(name: string, extension: string, body: string, contentType: string): Promise<Asset> {
  const digest = await crypto.subtle.digest("SHA-256", utf8(body));
  return { path: `${ASSET_PREFIX}${name}-${toHex(digest).slice(0, 16)}.${extension}`, integrity: `sha256-${toBase64(digest)}`, body, contentType };
}

let assets: Promise<ConsoleAssets> | undefined;

export function consoleAssets(): Promise<ConsoleAssets> {
  assets ??= Promise.all([
    describe("console", "js", CONSOLE_SCRIPT, "text/javascript; charset=utf-8"),
    describe("console", "css", CONSOLE_CSS, "text/css; charset=utf-8"),
  ]).then(([script, style]) => ({ script, style }));
  return assets;
}

export async function serveAsset(c: Context): Promise<Response> {
  const { script, style } = await consoleAssets();
  const asset = [script, style].find((a) => a.path === c.req.path);
  if (!asset) return c.text("Not found", 404);
  return c.body(asset.body, 200, { "Content-Type": asset.contentType, "Cache-Control": "public, max-age=31536000, immutable" });
}
