import type { Child, FC } from "hono/jsx";
import type { AuthContext } from "../../auth/context";
import type { PublicProject } from "../../store/projects";
import { allows } from "../access";
import { noticeFor } from "../notices";
import { accessUrl, connectionsUrl, projectsUrl, secretsUrl, syncsUrl } from "../urls";
import { Breadcrumbs, Notice, Tabs, type Crumb } from "./components";

export type ProjectSection = "secrets" | "secret-syncs" | "app-connections" | "access";

interface ProjectShellProps {
  project: PublicProject;
  auth: AuthContext;
  section: ProjectSection;
  /** crumbs below the project's */
  trail?: Crumb[];
  title: string;
  notice?: string;
  children: Child;
}

/** The frame of every project page: where you are, the project's sections, and the page's one-line notice. */
export const ProjectShell: FC<ProjectShellProps> = ({ project, auth, section, trail = [], title, notice, children }) => {
  const firstEnvironment = project.environments[0]?.slug ?? "dev";
  const integrations = section === "secret-syncs" || section === "app-connections";
  const shown = noticeFor(notice);
  return (
    <>
      <Breadcrumbs items={[{ label: "Projects", href: projectsUrl() }, { label: project.name, href: secretsUrl(project.id, firstEnvironment) }, ...trail]} />
      <h1>{title}</h1>
      <Tabs
        label="Project sections"
        items={[
          { href: secretsUrl(project.id, firstEnvironment), label: "Secrets", current: section === "secrets" },
          { href: syncsUrl(project.id), label: "Integrations", current: integrations },
          { href: accessUrl(project.id), label: "Access", current: section === "access" },
        ]}
      />
      {integrations ? (
        <Tabs
          label="Integrations"
          sub
          items={[
            ...(allows(auth, "syncs:read", project.id) ? [{ href: syncsUrl(project.id), label: "Secret Syncs", current: section === "secret-syncs" }] : []),
            { href: connectionsUrl(project.id), label: "App Connections", current: section === "app-connections" },
          ]}
        />
      ) : null}
      {shown ? <Notice tone={shown.tone}>{shown.text}</Notice> : null}
      {children}
    </>
  );
};
