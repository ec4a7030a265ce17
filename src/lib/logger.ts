/**
 * Structured JSON logs, one object per line. Callers pass identifiers and counts only:
 * never a secret value, token or credential.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `minLevel` comes from the LOG_LEVEL var; unknown values fall back to "info". */
export function createLogger(base: LogFields = {}, minLevel: string = "info"): Logger {
  const threshold = RANK[minLevel as LogLevel] ?? RANK.info;
  const write = (level: LogLevel, event: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...base, ...fields });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    debug: (e, f) => write("debug", e, f),
    info: (e, f) => write("info", e, f),
    warn: (e, f) => write("warn", e, f),
    error: (e, f) => write("error", e, f),
    child: (fields) => createLogger({ ...base, ...fields }, minLevel),
  };
}
