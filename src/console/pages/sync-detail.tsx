/**
 * One sync: its state (followed live while a run is in flight), configuration, drift, run history with per-key
 * outcomes, the plan preview, and the run triggers.
 */
import type { Actor } from "../../access/actor";
import { ApiError, notFound } from "../../lib/errors";
import { readProject, type PublicProject } from "../../store/projects";
import type { describePlan, publicRun } from "../../syncs/reports";
import { driftReportOf, type PublicSync } from "../../syncs/public-sync";
import type { SyncRecord } from "../../syncs/repository";
import * as syncs from "../../syncs/service";
import type { ConsoleContext } from "../context";
import { storeAs, syncDeps } from "../deps";
import { syncFormOf } from "../sync-form";
import { describeDestination, describeDriftKind, describeSyncMessage, isInFlight, progressOf, syncBadge } from "../sync-status";
import { syncPageUrl, syncsUrl, syncUrl } from "../urls";
import { EmptyState, Notice, PostForm, SubmitButton, Time } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { StatusBadge, SyncBadges } from "../ui/sync-badges";
import { SyncSummary } from "../ui/sync-fields";

const RUN_HISTORY_LENGTH = 10;

/** The sync named in the URL, if the caller may do `action` on it and it belongs to the project in the URL. */
export async function syncInProject(c: ConsoleContext, action: syncs.SyncAction): Promise<{ project: PublicProject; record: SyncRecord }> {
  const projectId = c.req.param("projectId")!;
  const syncId = c.req.param("syncId")!;
  const record = await syncs.loadSync(syncDeps(c), syncId, action);
  if (record.sync.projectId !== projectId) throw notFound(`Could not find Qovery Sync with ID "${syncId}"`);
  return { project: await readProject(storeAs(c), projectId), record };
}

export const syncTrail = (project: PublicProject, sync: { id: string; name: string }, page?: string) => [
  { label: "Integrations" },
  { label: "Secret Syncs", href: syncsUrl(project.id) },
  { label: sync.name, href: page ? syncUrl(project.id, sync.id) : undefined },
  ...(page ? [{ label: page }] : []),
];

function RunTriggers({ project, record, actor, csrf }: { project: PublicProject; record: SyncRecord; actor: Actor; csrf: string }) {
  const sync = syncs.publicSync(record);
  const canTrigger = syncs.canOnSync(actor, record, "sync-secrets");
  return (
    <div class="actions">
      <a class="button secondary" href={syncPageUrl(project.id, sync.id, "plan")}>
        Preview plan
      </a>
      {canTrigger && sync.isEnabled ? (
        <PostForm action={syncPageUrl(project.id, sync.id, "sync")} csrf={csrf} class="inline">
          <SubmitButton busy="Queuing…">Sync now</SubmitButton>
        </PostForm>
      ) : null}
      {syncs.canOnSync(actor, record, "edit") ? (
        <a class="button secondary" href={syncPageUrl(project.id, sync.id, "edit")}>
          Edit
        </a>
      ) : null}
      {syncs.canOnSync(actor, record, "delete") ? (
        <a class="button danger" href={syncPageUrl(project.id, sync.id, "delete")}>
          Delete
        </a>
      ) : null}
    </div>
  );
}

function RunHistory({ runs }: { runs: ReturnType<typeof publicRun>[] }) {
  if (!runs.length) return <EmptyState>No run yet. A run starts when the sync is created with auto-sync on, when its secrets change, or with Sync now.</EmptyState>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">The {runs.length} most recent runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Run</th>
            <th scope="col" class="hide-narrow">Requested by</th>
            <th scope="col">Status</th>
            <th scope="col">Keys</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const results = run.results ?? [];
            const counts = Object.entries(run.counts).filter(([, n]) => n > 0);
            return (
              <tr>
                <td>
                  <Time iso={run.startedAt ?? run.createdAt} />
                </td>
                <td>
                  {run.kind === "remove" ? "Remove secrets" : "Sync"} <span class="muted">({run.trigger})</span>
                </td>
                <td class="hide-narrow">
                  {run.requestedBy ? describeRequester(run.requestedBy) : <span class="muted">not recorded</span>}
                </td>
                <td>
                  <StatusBadge badge={syncBadge({ syncStatus: run.status as PublicSync["syncStatus"], removeStatus: null })} />
                  {run.message ? <div class="muted">{describeSyncMessage(run.message)}</div> : null}
                </td>
                <td>
                  {counts.length ? <div>{counts.map(([what, n]) => `${n} ${what}`).join(", ")}</div> : null}
                  {results.length ? (
                    <details class="disclosure">
                      <summary>Per-key outcomes ({results.length})</summary>
                      <table>
                        <thead>
                          <tr>
                            <th scope="col">Key</th>
                            <th scope="col">Action</th>
                            <th scope="col">Outcome</th>
                          </tr>
                        </thead>
                        <tbody>
                          {results.map((result) => (
                            <tr>
                              <td>
                                <code>{result.key}</code>
                              </td>
                              <td>{result.action}</td>
                              <td>
                                {result.outcome}
                                {result.message ? <div class="muted">{result.message}</div> : null}
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </details>
                  ) : (
                    <span class="muted">{run.status === "pending" || run.status === "running" ? "in progress" : "no key changed"}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** "Ada (person)", "ci-deploy (api-token)", "auto-sync (system)": a name and what kind of actor it is. */
const describeRequester = (requester: { type: string; name: string | null }) => `${requester.name ?? "unknown"} (${requester.type})`;

async function renderSync(c: ConsoleContext, project: PublicProject, record: SyncRecord, problem?: string) {
  const actor = c.get("actor");
  const sync = syncs.publicSync(record);
  const runs = await syncs.listSyncRuns(syncDeps(c), sync.id, RUN_HISTORY_LENGTH, true);
  const drift = driftReportOf(record.sync);
  const active = isInFlight(sync);
  const created = c.req.query("notice") === "sync-created";
  const message = describeSyncMessage(sync.lastSyncMessage);
  const removeMessage = describeSyncMessage(sync.lastRemoveMessage);

  return renderPage(
    c,
    sync.name,
    <ProjectShell project={project} actor={actor} section="secret-syncs" title={sync.name} trail={syncTrail(project, sync)} notice={created ? undefined : c.req.query("notice")}>
      {created ? (
        <Notice tone="ok">
          <strong>Sync created.</strong>{" "}
          {sync.isEnabled && sync.isAutoSyncEnabled
            ? "Your Qovery Sync has begun syncing your secrets to the destination; its progress shows below."
            : "Auto-sync is off, so nothing is written until you click Sync now."}
        </Notice>
      ) : null}
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      {sync.description ? <p>{sync.description}</p> : null}

      <section class="card" aria-labelledby="status-heading" data-poll-url={syncPageUrl(project.id, sync.id, "status")} data-gone-url={syncsUrl(project.id, "sync-deleted")}
        // Once the run settles, a "queued" notice is stale; "created" still tells the story of this page.
        data-settled-url={syncUrl(project.id, sync.id, created ? "sync-created" : undefined)}
        data-active={active ? "true" : "false"}
      >
        <h2 id="status-heading">Status</h2>
        <dl class="config">
          <dt>Status</dt>
          <dd>
            <SyncBadges sync={sync} live />
            {sync.isEnabled ? null : <span class="muted"> (disabled: no run starts until it is enabled again)</span>}
          </dd>
          <dt>Last synced</dt>
          <dd>
            <Time iso={sync.lastSyncedAt} />
          </dd>
          <dt>Last message</dt>
          <dd>{message ?? <span class="muted">none</span>}</dd>
          {sync.removeStatus ? (
            <>
              <dt>Secret removal</dt>
              <dd>
                <StatusBadge badge={syncBadge({ syncStatus: sync.removeStatus, removeStatus: null })} /> {removeMessage} <Time iso={sync.lastRemovedAt} never="" />
              </dd>
            </>
          ) : null}
        </dl>
        <p role="status" aria-live="polite" data-sync-progress>
          {progressOf(sync)}
        </p>
        <RunTriggers project={project} record={record} actor={actor} csrf={c.get("csrf")} />
      </section>

      {drift.driftStatus ? (
        <section class="card" aria-labelledby="drift-heading">
          <h2 id="drift-heading">Drift</h2>
          <p>
            {drift.driftStatus === "drifted" ? "Qovery no longer matches what this sync last wrote." : "Qovery matches what this sync last wrote."}{" "}
            <span class="muted">
              Last checked <Time iso={drift.lastDriftCheckAt} />.
            </span>
          </p>
          {drift.driftStatus === "drifted" && drift.report?.items.length ? (
            <ul class="keys" aria-label="Drifted keys">
              {drift.report.items.map((item) => (
                <li>
                  <code>{item.key}</code> <span class="muted">{describeDriftKind(item.kind)}</span>
                </li>
              ))}
            </ul>
          ) : null}
          {drift.driftStatus === "drifted" ? <p class="muted">Sync now writes the source's values back to Qovery.</p> : null}
        </section>
      ) : null}

      <section aria-labelledby="config-heading">
        <h2 id="config-heading">Configuration</h2>
        <div class="card">
          <SyncSummary form={syncFormOf(sync)} connectionName={sync.connection.name ?? sync.connectionId} />
        </div>
      </section>

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Run history</h2>
        <RunHistory runs={runs} />
      </section>

      {syncs.canOnSync(actor, record, "remove-secrets") ? (
        <section aria-labelledby="remove-heading">
          <h2 id="remove-heading">Remove secrets</h2>
          <details class="disclosure">
            <summary>Remove this sync's secrets from Qovery</summary>
            <p>Deletes from Qovery every key this sync wrote, and keeps the sync. Keys it did not write are left untouched.</p>
            <PostForm action={syncPageUrl(project.id, sync.id, "remove-secrets")} csrf={c.get("csrf")}>
              <SubmitButton kind="danger" busy="Queuing…">
                Remove the secrets of {sync.name} from Qovery
              </SubmitButton>
            </PostForm>
          </details>
        </section>
      ) : null}
    </ProjectShell>,
  );
}

export async function syncPage(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "read");
  return renderSync(c, project, record);
}

/** What the polling script reads while a run is in flight. */
export async function syncStatus(c: ConsoleContext) {
  const { record } = await syncInProject(c, "read");
  const sync = syncs.publicSync(record);
  return c.json({ active: isInFlight(sync), badge: syncBadge(sync), progress: progressOf(sync), syncStatus: sync.syncStatus, removeStatus: sync.removeStatus });
}

export async function planPage(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "read");
  const sync = syncs.publicSync(record);
  let plan: ReturnType<typeof describePlan> | null = null;
  let problem: string | null = null;
  try {
    plan = await syncs.planSync(syncDeps(c), record.sync.id);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problem = error.message;
  }
  const changes = plan?.actions.filter((a) => a.type !== "unchanged") ?? [];
  const canTrigger = syncs.canOnSync(c.get("actor"), record, "sync-secrets") && sync.isEnabled;

  return renderPage(
    c,
    `${sync.name} · plan`,
    <ProjectShell project={project} actor={c.get("actor")} section="secret-syncs" title={`Plan for ${sync.name}`} trail={syncTrail(project, sync, "Plan")}>
      <p class="muted">What a run would do now, computed from the source's secrets and what Qovery holds. Keys only: values are never shown here.</p>
      {problem ? <Notice tone="error">The plan could not be computed: {problem}</Notice> : null}
      {plan ? (
        <>
          {plan.refusal ? <Notice tone="error">A run would refuse to write: {plan.refusal}</Notice> : null}
          <p>
            Into Qovery {describeDestination(sync.destinationConfig)}, as {plan.target.kind === "variable" ? "environment variables" : "environment secrets"}.
          </p>
          <ul class="kv" aria-label="Summary">
            {Object.entries(plan.summary).map(([type, n]) => (
              <li>
                <strong>{n}</strong> {type}
              </li>
            ))}
          </ul>
          {changes.length ? (
            <div class="table-wrap">
              <table>
                <caption class="visually-hidden">Planned changes</caption>
                <thead>
                  <tr>
                    <th scope="col">Qovery key</th>
                    <th scope="col">Action</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.map((action) => (
                    <tr>
                      <td>
                        <code>{String(action.key)}</code>
                        {action.sourceKey && action.sourceKey !== action.key ? <div class="muted">from {String(action.sourceKey)}</div> : null}
                      </td>
                      <td>{String(action.type)}</td>
                      <td>{action.reason ? String(action.reason) : <span class="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <EmptyState>Nothing to change: Qovery already holds every secret of the source.</EmptyState>
          )}
        </>
      ) : null}
      <div class="actions">
        {canTrigger ? (
          <PostForm action={syncPageUrl(project.id, sync.id, "sync")} csrf={c.get("csrf")} class="inline">
            <SubmitButton busy="Queuing…">Sync now</SubmitButton>
          </PostForm>
        ) : null}
        <a href={syncUrl(project.id, sync.id)}>Back to {sync.name}</a>
      </div>
    </ProjectShell>,
  );
}

export async function syncNow(c: ConsoleContext) {
  return queueRun(c, "sync");
}

export async function removeSecrets(c: ConsoleContext) {
  return queueRun(c, "remove");
}

/** `triggerSync` checks the rule and audits; a 400 (paused, folder gone) is shown on the sync's page. */
async function queueRun(c: ConsoleContext, kind: "sync" | "remove") {
  const { project, record } = await syncInProject(c, "read");
  try {
    await syncs.triggerSync(syncDeps(c), record.sync.id, kind);
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 400) return renderSync(c, project, record, error.message);
    throw error;
  }
  return c.redirect(syncUrl(project.id, record.sync.id, kind === "sync" ? "run-queued" : "removal-queued"), 303);
}
