/**
 * Every encrypted column, with the associated data that binds its ciphertexts to their rows.
 * Stores encrypt with these AAD builders; key rotation (`admin/reencrypt.ts`) walks this list, so a new encrypted
 * column only needs an entry here to be rotated too.
 */
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { sha256Hex } from "../lib/crypto";
import { appConnections, secrets } from "./schema";

export const secretValueAad = (secretId: string) => `secrets:${secretId}:value`;
export const connectionCredentialsAad = (connectionId: string) => `app_connections:${connectionId}:credentials`;

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
];
