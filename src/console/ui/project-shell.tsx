import type { Child, FC } from "hono/jsx";
import { canOnAnyIn, type Actor } from "../../access/actor";
import { mayListConnectionsIn } from "../../connections/permissions";
import type { PublicProject } from "../../store/projects";
import { noticeFor } from "../notices";
import { accessUrl, connectionsUrl, projectsUrl, secretsUrl, syncsUrl } from "../urls";
import { Breadcrumbs, Notice, Tabs, type Crumb } from "./components";

export type ProjectSection = "secrets" | "secret-syncs" | "app-connections" | "access";

interface ProjectShellProps {
  project: PublicProject;
  /** the signed-in caller: the sections offered are those their rules may show something in */
  actor: Actor;
  section: ProjectSection;
  /** crumbs below the project's */
  trail?: Crumb[];
  title: string;
  notice?: string;
  children: Child;
}

/** The frame of every project page: where you are, the project's sections, and the page's one-line notice. */
export const ProjectShell: FC<ProjectShellProps> = ({ project, actor, section, trail = [], title, notice, children }) => {
  const firstEnvironment = project.environments[0]?.slug ?? "dev";
  const integrations = section === "secret-syncs" || section === "app-connections";
  const shown = noticeFor(notice);
  // Hidden where the services would refuse every item; they still check each one.
  const integrationTabs = [
    ...(canOnAnyIn(actor, project.id, "read", "secret-syncs") ? [{ href: syncsUrl(project.id), label: "Secret Syncs", current: section === "secret-syncs" }] : []),
    ...(mayListConnectionsIn(actor, project.id) ? [{ href: connectionsUrl(project.id), label: "App Connections", current: section === "app-connections" }] : []),
  ];
  return (
    <>
      <Breadcrumbs items={[{ label: "Projects", href: projectsUrl() }, { label: project.name, href: secretsUrl(project.id, firstEnvironment) }, ...trail]} />
      <h1>{title}</h1>
      <Tabs
        label="Project sections"
        items={[
          { href: secretsUrl(project.id, firstEnvironment), label: "Secrets", current: section === "secrets" },
          ...(integrationTabs.length ? [{ href: integrationTabs[0]!.href, label: "Integrations", current: integrations }] : []),
          { href: accessUrl(project.id), label: "Access", current: section === "access" },
        ]}
      />
      {integrations && integrationTabs.length ? <Tabs label="Integrations" sub items={integrationTabs} /> : null}
      {shown ? <Notice tone={shown.tone}>{shown.text}</Notice> : null}
      {children}
    </>
  );
};
