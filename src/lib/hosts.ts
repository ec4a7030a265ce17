/** Host names of the machine itself, as a URL spells them: where local development serves and receives over plain http. */
export const LOCAL_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);
