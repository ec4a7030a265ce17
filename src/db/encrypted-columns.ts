/**
 * Every encrypted column, with the associated data that binds its ciphertexts to their rows.
 * Stores encrypt with these AAD builders; key rotation (`admin/reencrypt.ts`) walks this list, so a new encrypted
 * column only needs an entry here to be rotated too.
 */
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { sha256Hex } from "../lib/crypto";
import { appConnections, secrets, webhookEndpoints, webhookSubscriptions } from "./schema";

export const secretValueAad = (secretId: string) => `secrets:${secretId}:value`;
export const connectionCredentialsAad = (connectionId: string) => `app_connections:${connectionId}:credentials`;
export const webhookEndpointSecretAad = (endpointId: string) => `webhook_endpoints:${endpointId}:secret`;
export const webhookEndpointPreviousSecretAad = (endpointId: string) => `webhook_endpoints:${endpointId}:previous_secret`;
export const webhookSubscriptionSecretAad = (subscriptionId: string) => `webhook_subscriptions:${subscriptionId}:secret`;

export interface EncryptedColumn {
  name: string;
  table: SQLiteTable;
  id: SQLiteColumn;
  ciphertext: SQLiteColumn;
  aad: (rowId: string) => string;
  /** other columns derived from the ciphertext that must change with it */
  derived?: (ciphertext: string) => Promise<Record<string, string>>;
}

export const ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { name: "secrets.value", table: secrets, id: secrets.id, ciphertext: secrets.valueCiphertext, aad: secretValueAad },
  {
    name: "app_connections.credentials",
    table: appConnections,
    id: appConnections.id,
    ciphertext: appConnections.credentialsCiphertext,
    aad: connectionCredentialsAad,
    derived: async (ciphertext) => ({ credentialsHash: await sha256Hex(ciphertext) }),
  },
  { name: "webhook_endpoints.secret", table: webhookEndpoints, id: webhookEndpoints.id, ciphertext: webhookEndpoints.secretCiphertext, aad: webhookEndpointSecretAad },
  // nullable: rows without a previous secret never match the "written with an older key" filter (NULL compares as NULL)
  {
    name: "webhook_endpoints.previous_secret",
    table: webhookEndpoints,
    id: webhookEndpoints.id,
    ciphertext: webhookEndpoints.previousSecretCiphertext,
    aad: webhookEndpointPreviousSecretAad,
  },
  {
    name: "webhook_subscriptions.secret",
    table: webhookSubscriptions,
    id: webhookSubscriptions.id,
    ciphertext: webhookSubscriptions.secretCiphertext,
    aad: webhookSubscriptionSecretAad,
  },
];
