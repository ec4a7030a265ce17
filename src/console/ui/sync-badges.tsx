import type { FC } from "hono/jsx";
import type { PublicSync } from "../../syncs/public-sync";
import { isDrifted, syncBadge, type Badge } from "../sync-status";

export const StatusBadge: FC<{ badge: Badge; live?: boolean }> = ({ badge, live }) => (
  <span class={`badge ${badge.tone}`} data-sync-badge={live ? "" : undefined}>
    {badge.tone === "pending" || badge.tone === "running" ? <span class="spinner" aria-hidden="true"></span> : null}
    {badge.label}
  </span>
);

/** The run status, plus a drift badge when the last drift check found Qovery changed behind the sync's back. */
export const SyncBadges: FC<{ sync: PublicSync; live?: boolean }> = ({ sync, live }) => (
  <span class="kv">
    <StatusBadge badge={syncBadge(sync)} live={live} />
    {isDrifted(sync) ? <StatusBadge badge={{ tone: "drift", label: "Drift" }} /> : null}
  </span>
);
