/** Integrations → Secret Syncs: every sync of the project with its state, and the way into the Add Sync wizard. */
import { requireAccess } from "../../auth/context";
import { listQoveryConnections } from "../../connections/service";
import { getProject } from "../../store/projects";
import { listSyncRecords } from "../../syncs/repository";
import { publicSync } from "../../syncs/service";
import { allows } from "../access";
import type { ConsoleContext } from "../context";
import { dbOf } from "../deps";
import { describeDestination, describeSyncMessage } from "../sync-status";
import { connectionsUrl, newSyncUrl, syncUrl } from "../urls";
import { EmptyState, Time } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { SyncBadges } from "../ui/sync-badges";

export async function syncsPage(c: ConsoleContext) {
  const auth = c.get("auth");
  const projectId = c.req.param("projectId")!;
  requireAccess(auth, "syncs:read", projectId);
  const db = dbOf(c);
  const project = await getProject(db, projectId);
  const list = (await listSyncRecords(db, projectId)).map(publicSync);
  const canCreate = allows(auth, "syncs:write", projectId);
  const hasConnection = allows(auth, "connections:read", projectId) && (await listQoveryConnections(db, projectId)).length > 0;

  return renderPage(
    c,
    `${project.name} · Secret Syncs`,
    <ProjectShell project={project} auth={auth} section="secret-syncs" title={`${project.name}: Secret Syncs`} trail={[{ label: "Integrations" }, { label: "Secret Syncs" }]} notice={c.req.query("notice")}>
      <div class="actions">
        {canCreate ? (
          <a class="button" href={newSyncUrl(project.id)}>
            Add Sync
          </a>
        ) : (
          <span class="muted">This token cannot add syncs: that needs the syncs:write scope.</span>
        )}
      </div>
      {canCreate && !hasConnection ? (
        <p class="callout">
          A sync writes to Qovery through a Qovery connection. <a href={connectionsUrl(project.id)}>Add a Qovery connection</a> first.
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
