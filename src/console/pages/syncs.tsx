/** Integrations → Secret Syncs: every sync of the project with its state, and the way into the Add Sync wizard. */
import { canOnAnyIn } from "../../access/actor";
import { mayUseConnectionsIn } from "../../connections/permissions";
import { listAvailableConnections } from "../../connections/service";
import { readProject } from "../../store/projects";
import { listSyncs, publicSync } from "../../syncs/service";
import type { ConsoleContext } from "../context";
import { connectionDeps, storeAs, syncDeps } from "../deps";
import { describeDestination, describeSyncMessage } from "../sync-status";
import { connectionsUrl, newSyncUrl, syncUrl } from "../urls";
import { EmptyState, Time } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { SyncBadges } from "../ui/sync-badges";

export async function syncsPage(c: ConsoleContext) {
  const actor = c.get("actor");
  const projectId = c.req.param("projectId")!;
  const list = (await listSyncs(syncDeps(c), projectId)).map(publicSync);
  const project = await readProject(storeAs(c), projectId);
  const canCreate = canOnAnyIn(actor, projectId, "create", "secret-syncs");
  const hasConnection = mayUseConnectionsIn(actor, projectId) && (await listAvailableConnections(connectionDeps(c), projectId)).length > 0;

  return renderPage(
    c,
    `${project.name} · Secret Syncs`,
    <ProjectShell project={project} actor={actor} section="secret-syncs" title={`${project.name}: Secret Syncs`} trail={[{ label: "Integrations" }, { label: "Secret Syncs" }]} notice={c.req.query("notice")}>
      <div class="actions">
        {canCreate ? (
          <a class="button" href={newSyncUrl(project.id)}>
            Add Sync
          </a>
        ) : (
          <span class="muted">
            You cannot add syncs in this project: that needs the secret-syncs create permission (the syncs:write scope).
          </span>
        )}
      </div>
      {canCreate && !hasConnection ? (
        <p class="callout">
          A sync writes to Qovery through a Qovery connection you may use here.{" "}
          <a href={connectionsUrl(project.id)}>Add a Qovery connection</a> first.
        </p>
      ) : null}
      {list.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Secret syncs of {project.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="hide-narrow">Source</th>
                <th scope="col" class="hide-narrow">Destination</th>
                <th scope="col">Status</th>
                <th scope="col">Last synced</th>
                <th scope="col">Last message</th>
              </tr>
            </thead>
            <tbody>
              {list.map((sync) => {
                return (
                  <tr>
                    <th scope="row">
                      <a href={syncUrl(project.id, sync.id)}>{sync.name}</a>
                      {sync.isEnabled ? null : <div class="muted">disabled</div>}
                    </th>
                    <td class="hide-narrow">
                      {sync.environment?.slug ?? "?"} <code>{sync.secretPath}</code>
                    </td>
                    <td class="hide-narrow">Qovery {describeDestination(sync.destinationConfig)}</td>
                    <td>
                      <SyncBadges sync={sync} />
                    </td>
                    <td>
                      <Time iso={sync.lastSyncedAt} />
                    </td>
                    <td>{describeSyncMessage(sync.lastSyncMessage) ?? <span class="muted">none</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState>
          <p>No secret syncs yet.</p>
          <p>A sync keeps a folder of this project's secrets in Qovery, at the project or environment level.</p>
        </EmptyState>
      )}
    </ProjectShell>,
  );
}
