import { z } from "zod";
import { canInOrganization } from "../../access/actor";
import { description, displayName } from "../../lib/schemas";
import * as projects from "../../store/projects";
import type { ConsoleContext } from "../context";
import { storeAs } from "../deps";
import { fieldErrors, readForm } from "../forms";
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
  const list = await projects.listProjects(storeAs(c));
  const canCreate = canInOrganization(c.get("actor"), "create", "workspace");
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
          <p>{canCreate ? "Create one below to start storing secrets." : "You cannot create projects: that takes the organization-wide permission to create workspaces."}</p>
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
  const project = await projects.createProject(storeAs(c), { name: parsed.data.name, description: parsed.data.description || null });
  return c.redirect(secretsUrl(project.id, project.environments[0]!.slug, undefined, { notice: "project-created" }), 303);
}

/** A project's landing page is its first environment's secrets. */
export async function projectHome(c: ConsoleContext) {
  const project = await projects.readProject(storeAs(c), c.req.param("projectId")!);
  return c.redirect(secretsUrl(project.id, project.environments[0]?.slug ?? "dev"), 303);
}
