// The official Infisical Node SDK, pointed at this service: `node examples/sdk-quickstart.mjs`
// Needs SITE_URL (e.g. http://localhost:8787), CLIENT_ID and CLIENT_SECRET (a machine identity, see README) and PROJECT_ID.
import { InfisicalSDK } from "@infisical/sdk";

const { SITE_URL = "http://localhost:8787", CLIENT_ID, CLIENT_SECRET, PROJECT_ID } = process.env;
if (!CLIENT_ID || !CLIENT_SECRET || !PROJECT_ID) throw new Error("set CLIENT_ID, CLIENT_SECRET and PROJECT_ID");

const sdk = new InfisicalSDK({ siteUrl: SITE_URL });
await sdk.auth().universalAuth.login({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });

const where = { projectId: PROJECT_ID, environment: "dev", secretPath: "/my-secrets" };
await sdk.secrets().createSecret("FROM_SDK", { ...where, secretValue: "hello from the SDK" });
const { secrets } = await sdk.secrets().listSecrets({ ...where, expandSecretReferences: true });
for (const secret of secrets) console.log(`${secret.secretKey}=${secret.secretValue}`);
