import { z } from "zod";
import { requireAccess } from "../../auth/context";
import { description, displayName } from "../../http/schemas";
import * as projects from "../../store/projects";
import { allows } from "../access";
import type { ConsoleContext } from "../context";
import { dbOf } from "../deps";
import { audit, fieldErrors, readForm } from "../forms";
import { noticeFor } from "../notices";
import { secretsUrl } from "../urls";
import { EmptyState, Notice, PostForm, SubmitButton, TextArea, TextField, Time, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";

// The API's create-project rules (routes/projects.ts), for the form's fields.
const createProjectForm = z.object({ name: displayName("name", "A project name is required"), description });

interface CreateForm {
  values: Record<string, string>;
  errors: FieldErrors;
}

async function renderProjects(c: ConsoleContext, form: CreateForm = { values: {}, errors: {} }, status: 200 | 422 = 200) {
  const auth = c.get("auth");
  requireAccess(auth, "projects:read", auth.projectId);
  const list = await projects.listProjects(dbOf(c), auth.projectId);
  const canCreate = allows(auth, "projects:write");
  const notice = noticeFor(c.req.query("notice"));
  return renderPage(
    c,
    "Projects",
    <>
      <h1>Projects</h1>
      {notice ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}
      {list.length ? (
        <ul class="cards plain" aria-label="Projects">
          {list.map((project) => (
            <li class="card">
              <h2>
                <a href={secretsUrl(project.id, project.environments[0]?.slug ?? "dev")}>{project.name}</a>
              </h2>
              {project.description ? <p>{project.description}</p> : null}
              <p class="muted">
                Slug <code>{project.slug}</code> · environments {project.environments.map((e) => e.slug).join(", ")}
              </p>
              <p class="muted">
                Created <Time iso={project.createdAt} />
              </p>
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState>
          <p>There are no projects yet.</p>
          <p>{canCreate ? "Create one below to start storing secrets." : "This token cannot create projects: that needs the projects:write scope on a token not bound to one project."}</p>
        </EmptyState>
      )}
      {canCreate ? (
        <section class="card" aria-labelledby="create-project">
          <h2 id="create-project">Create a project</h2>
          <p class="muted">A new project starts with three environments: Development (dev), Staging (staging) and Production (prod).</p>
          <PostForm action="/projects" csrf={c.get("csrf")}>
            <TextField label="Project name" name="name" value={form.values.name} error={form.errors.name} required />
            <TextArea label="Description (optional)" name="description" value={form.values.description} error={form.errors.description} rows={2} />
            <SubmitButton busy="Creating…">Create project</SubmitButton>
          </PostForm>
        </section>
      ) : null}
    </>,
    status,
  );
}

export const listProjectsPage = (c: ConsoleContext) => renderProjects(c);

export async function createProject(c: ConsoleContext) {
  const values = await readForm(c);
  const parsed = createProjectForm.safeParse(values);
  if (!parsed.success) return renderProjects(c, { values, errors: fieldErrors(parsed.error.issues) }, 422);
  requireAccess(c.get("auth"), "projects:write");
  const project = await projects.createProject(dbOf(c), { name: parsed.data.name, description: parsed.data.description || null });
  await audit(c, { action: "project.create", projectId: project.id, targetType: "project", targetId: project.id, metadata: { name: project.name, slug: project.slug } });
  return c.redirect(secretsUrl(project.id, project.environments[0]!.slug, undefined, { notice: "project-created" }), 303);
}

/** A project's landing page is its first environment's secrets. */
export async function projectHome(c: ConsoleContext) {
  const projectId = c.req.param("projectId")!;
  requireAccess(c.get("auth"), "projects:read", projectId);
  const project = await projects.getProject(dbOf(c), projectId);
  return c.redirect(secretsUrl(project.id, project.environments[0]?.slug ?? "dev"), 303);
}
