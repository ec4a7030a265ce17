import type { Context } from "hono";
import type { AppVariables, Bindings } from "../env";

export interface ConsoleVariables extends AppVariables {
  /** the session's synchronizer token, embedded in every form */
  csrf: string;
}

export type ConsoleEnv = { Bindings: Bindings; Variables: ConsoleVariables };
export type ConsoleContext = Context<ConsoleEnv>;
