/**
 * Stands in for `@aws-sdk/credential-providers` in the Workers test runtime (see vitest.config.ts). The Infisical
 * SDK imports it at load time for its AWS IAM login, which workerd cannot load (it needs Node's file system and
 * child processes); our server offers universal auth only, so the SDK tests never reach it.
 */
export function fromNodeProviderChain(): never {
  throw new Error("AWS IAM authentication is not available in the Workers test runtime");
}
