/**
 * A project's secrets, one environment and folder at a time: the environment's folder tree, the folder's own secrets
 * (values masked until revealed one at a time), add/edit/delete, and the secrets the folder imports.
 *
 * The page shows only what the signed-in caller's rules let them see and offers only the actions they allow; the
 * store enforces both, whatever the page offers.
 */
import { can, canOnAnyIn } from "../../access/actor";
import { ApiError, badRequest, notFound } from "../../lib/errors";
import { createFolder, listReadableFolders } from "../../store/folders";
import { folderNameProblem, InvalidPathError, joinPath, normalizePath, pathSegments, ROOT_PATH } from "../../store/paths";
import { readProject, type PublicProject } from "../../store/projects";
import { getSecretView, listSecretsView } from "../../store/secret-reader";
import {
  isSecretCommentTooLong,
  isSecretValueTooLarge,
  normalizeSecretValue,
  SECRET_COMMENT_TOO_LONG,
  SECRET_VALUE_TOO_LARGE,
  secretKeyProblem,
} from "../../store/secret-rules";
import * as store from "../../store/secrets";
import type { ConsoleContext } from "../context";
import type { StoreContext } from "../../store/context";
import { storeAs } from "../deps";
import { readForm } from "../forms";
import { secretActionUrl, secretsUrl } from "../urls";
import { EmptyState, Notice, PostForm, SubmitButton, Tabs, TextArea, TextField, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";

interface Location {
  project: PublicProject;
  environment: { slug: string; name: string };
  path: string;
}

type FormName = "create" | "update" | "folder";

interface FormState {
  form: FormName;
  values: Record<string, string>;
  errors: FieldErrors;
}

function parsePath(raw: string | undefined): string {
  try {
    return normalizePath(raw);
  } catch (error) {
    if (error instanceof InvalidPathError) throw badRequest(error.message);
    throw error;
  }
}

async function locate(c: ConsoleContext, rawPath: string | undefined): Promise<Location> {
  const project = await readProject(storeAs(c), c.req.param("projectId")!);
  const slug = c.req.param("environment")!;
  const environment = project.environments.find((e) => e.slug === slug);
  if (!environment) throw notFound(`Project "${project.name}" has no environment "${slug}"`);
  return { project, environment, path: parsePath(rawPath) };
}

/** Browsers send CRLF line breaks from text areas; secrets keep the LF the API would store. */
const textareaValue = (raw: string | undefined) => normalizeSecretValue((raw ?? "").replace(/\r\n/g, "\n"));

function PathCrumbs({ at }: { at: Location }) {
  const segments = pathSegments(at.path);
  const href = (i: number) => secretsUrl(at.project.id, at.environment.slug, i < 0 ? ROOT_PATH : `/${segments.slice(0, i + 1).join("/")}`);
  return (
    <nav class="crumbs" aria-label="Folder path">
      <ol>
        <li>{segments.length ? <a href={href(-1)}>{at.environment.name} /</a> : <span aria-current="location">{at.environment.name} /</span>}</li>
        {segments.map((name, i) => (
          <li>{i < segments.length - 1 ? <a href={href(i)}>{name}</a> : <span aria-current="location">{name}</span>}</li>
        ))}
      </ol>
    </nav>
  );
}

interface FolderNode {
  path: string;
  name: string;
  children: FolderNode[];
}

/** Folder paths (sorted, so parents come first) as a tree under the root. */
function folderTree(paths: string[]): FolderNode {
  const root: FolderNode = { path: ROOT_PATH, name: "/", children: [] };
  const byPath = new Map([[ROOT_PATH, root]]);
  for (const path of [...paths].sort()) {
    const segments = pathSegments(path);
    const parent = byPath.get(segments.length > 1 ? `/${segments.slice(0, -1).join("/")}` : ROOT_PATH) ?? root;
    const node = { path, name: segments.at(-1)!, children: [] };
    parent.children.push(node);
    byPath.set(path, node);
  }
  return root;
}

function FolderTree({ at, paths }: { at: Location; paths: string[] }) {
  const link = (node: FolderNode) => (
    <a href={secretsUrl(at.project.id, at.environment.slug, node.path)} aria-current={node.path === at.path ? "location" : undefined}>
      {node.path === ROOT_PATH ? `${at.environment.name} /` : node.name}
    </a>
  );
  const branch = (nodes: FolderNode[]) =>
    nodes.length ? (
      <ul>
        {nodes.map((node) => (
          <li>
            {link(node)}
            {branch(node.children)}
          </li>
        ))}
      </ul>
    ) : null;
  const root = folderTree(paths);
  return (
    <nav class="tree" aria-label={`Folders of ${at.environment.name}`}>
      <ul>
        <li>
          {link(root)}
          {branch(root.children)}
        </li>
      </ul>
    </nav>
  );
}

/**
 * The folder's own secrets and its imports, values not even decrypted. A folder whose imports reach more folders than
 * one read may (MAX_IMPORTED_FOLDERS_PER_READ) cannot be read with them (400): its own secrets are still listed, and
 * `importsProblem` says why its imports are not.
 */
async function listFolder(ctx: StoreContext, where: { projectId: string; environment: string; secretPath: string }) {
  const query = { ...where, recursive: false, expandReferences: false, viewValue: false, tagSlugs: [], metadataFilter: [] };
  try {
    return { view: await listSecretsView(ctx, { ...query, includeImports: true }), importsProblem: null };
  } catch (error) {
    if (!(error instanceof ApiError && error.statusCode === 400)) throw error;
    return { view: await listSecretsView(ctx, { ...query, includeImports: false }), importsProblem: error.message };
  }
}

/** What the caller may do in the folder shown: the page offers exactly these. */
function allowedHere(c: ConsoleContext, at: Location) {
  const actor = c.get("actor");
  const projectId = at.project.id;
  const here = { environment: at.environment.slug, secretPath: at.path };
  return {
    list: canOnAnyIn(actor, projectId, "describeSecret", "secrets"),
    readValues: can(actor, projectId, "readValue", "secrets", here),
    create: can(actor, projectId, "create", "secrets", here),
    edit: can(actor, projectId, "edit", "secrets", here),
    delete: can(actor, projectId, "delete", "secrets", here),
    listFolders: canOnAnyIn(actor, projectId, "read", "secret-folders"),
    createFolder: can(actor, projectId, "create", "secret-folders", here),
  };
}

async function renderSecrets(c: ConsoleContext, at: Location, state?: FormState, status: 200 | 400 | 422 = 200) {
  const actor = c.get("actor");
  const { project, environment, path } = at;
  const allowed = allowedHere(c, at);
  const reveal = c.req.query("reveal");
  const edit = state?.form === "update" ? state.values.key : c.req.query("edit");
  const csrf = c.get("csrf");

  let body;
  if (!allowed.list) {
    body = <EmptyState>You cannot see secrets in this project: that takes permission to describe secrets here.</EmptyState>;
  } else {
    const ctx = storeAs(c);
    const where = { projectId: project.id, environment: environment.slug, secretPath: path };
    // Only the one revealed or edited secret is decrypted.
    const { view, importsProblem } = await listFolder(ctx, where);
    const folderPaths = allowed.listFolders
      ? (await listReadableFolders(ctx, project.id, { environment: environment.slug, path: ROOT_PATH, recursive: true })).map((f) => f.path)
      : [];
    const shownKey = edit ?? reveal;
    const shown =
      allowed.readValues && shownKey && view.secrets.some((s) => s.secretKey === shownKey)
        ? await getSecretView(ctx, { ...where, key: shownKey, includeImports: false, expandReferences: false, viewValue: true })
        : null;
    const canEdit = allowed.edit && allowed.readValues;
    const here = (extra: { reveal?: string; edit?: string } = {}) => secretsUrl(project.id, environment.slug, path, extra);
    const createValues = state?.form === "create" ? state.values : {};
    const folderValues = state?.form === "folder" ? state.values : {};
    const errors = state?.errors ?? {};

    body = (
      <>
        <PathCrumbs at={at} />
        <section aria-labelledby="folders-heading">
          <h2 id="folders-heading">Folders</h2>
          <FolderTree at={at} paths={folderPaths} />
          {allowed.createFolder ? (
            <details class="disclosure" open={state?.form === "folder"}>
              <summary>Add a folder here</summary>
              <PostForm action={secretActionUrl(project.id, environment.slug, "create-folder")} csrf={csrf}>
                <input type="hidden" name="path" value={path} />
                <TextField label="Folder name" name="name" id="folder-name" value={folderValues.name} error={errors.name && state?.form === "folder" ? errors.name : undefined} hint="Letters, digits, dashes and underscores." required />
                <SubmitButton busy="Creating…">Create folder</SubmitButton>
              </PostForm>
            </details>
          ) : null}
        </section>

        <section aria-labelledby="secrets-heading">
          <h2 id="secrets-heading">Secrets in {path}</h2>
          {view.secrets.length ? (
            <div class="table-wrap">
              <table>
                <caption class="visually-hidden">Secrets of {environment.name} at {path}; values are hidden until revealed</caption>
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Value</th>
                    <th scope="col" class="hide-narrow">Comment</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {view.secrets.map((secret) => {
                    const revealed = shown && shown.secretKey === secret.secretKey && reveal === secret.secretKey;
                    return (
                      <tr id={`secret-${secret.secretKey}`}>
                        <th scope="row">
                          <code>{secret.secretKey}</code>
                        </th>
                        <td>
                          {revealed ? (
                            <>
                              <code>{shown.secretValue}</code> <a href={here()}>Hide</a>
                            </>
                          ) : (
                            <>
                              <span class="masked" aria-label="hidden value">
                                ••••••••
                              </span>{" "}
                              {allowed.readValues ? (
                                <a href={`${here({ reveal: secret.secretKey })}#secret-${encodeURIComponent(secret.secretKey)}`} aria-label={`Reveal the value of ${secret.secretKey}`}>
                                  Reveal
                                </a>
                              ) : null}
                            </>
                          )}
                        </td>
                        <td class="hide-narrow">{secret.secretComment}</td>
                        <td>
                          {canEdit || allowed.delete ? (
                            <div class="kv">
                              {canEdit ? (
                                <a href={`${here({ edit: secret.secretKey })}#edit-secret`} aria-label={`Edit ${secret.secretKey}`}>
                                  Edit
                                </a>
                              ) : null}
                              {allowed.delete ? (
                                <details class="disclosure">
                                  <summary aria-label={`Delete ${secret.secretKey}`}>Delete</summary>
                                  <PostForm action={secretActionUrl(project.id, environment.slug, "delete")} csrf={csrf}>
                                    <input type="hidden" name="path" value={path} />
                                    <input type="hidden" name="key" value={secret.secretKey} />
                                    <p>
                                      Delete <code>{secret.secretKey}</code> from {environment.name} {path}? Syncs reading this folder will remove it from their destinations.
                                    </p>
                                    <SubmitButton kind="danger" busy="Deleting…">
                                      Delete {secret.secretKey}
                                    </SubmitButton>
                                  </PostForm>
                                </details>
                              ) : null}
                            </div>
                          ) : (
                            <span class="muted">read only</span>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ) : (
            <EmptyState>No secrets in {path} of {environment.name} yet.</EmptyState>
          )}
        </section>

        {canEdit && edit && shown && shown.secretKey === edit ? (
          <section class="card" id="edit-secret" aria-labelledby="edit-heading">
            <h2 id="edit-heading">
              Edit <code>{edit}</code>
            </h2>
            <PostForm action={secretActionUrl(project.id, environment.slug, "update")} csrf={csrf}>
              <input type="hidden" name="path" value={path} />
              <input type="hidden" name="key" value={edit} />
              <TextField label="Key" name="newKey" id="edit-key" value={state?.form === "update" ? state.values.newKey : edit} error={state?.form === "update" ? errors.newKey : undefined} required />
              <TextArea label="Value" name="value" id="edit-value" value={state?.form === "update" ? state.values.value : shown.secretValue} error={state?.form === "update" ? errors.value : undefined} />
              <TextField
                label="Comment (optional)"
                name="comment"
                id="edit-comment"
                value={state?.form === "update" ? state.values.comment : shown.secretComment}
                error={state?.form === "update" ? errors.comment : undefined}
              />
              <div class="actions">
                <SubmitButton busy="Saving…">Save</SubmitButton>
                <a href={here()}>Cancel</a>
              </div>
            </PostForm>
          </section>
        ) : null}

        {allowed.create ? (
          <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">Add a secret to {path}</h2>
            <PostForm action={secretActionUrl(project.id, environment.slug, "create")} csrf={csrf}>
              <input type="hidden" name="path" value={path} />
              <TextField label="Key" name="key" id="new-key" value={createValues.key} error={state?.form === "create" ? errors.key : undefined} placeholder="DATABASE_URL" required />
              <TextArea label="Value" name="value" id="new-value" value={createValues.value} error={state?.form === "create" ? errors.value : undefined} />
              <TextField
                label="Comment (optional)"
                name="comment"
                id="new-comment"
                value={createValues.comment}
                error={state?.form === "create" ? errors.comment : undefined}
              />
              <SubmitButton busy="Adding…">Add secret</SubmitButton>
            </PostForm>
          </section>
        ) : null}

        <section aria-labelledby="imports-heading">
          <h2 id="imports-heading">Secret imports</h2>
          {importsProblem ? (
            <Notice tone="error">
              The secrets this folder imports cannot be shown: {importsProblem}. The secrets listed above are the folder's own.
            </Notice>
          ) : view.imports.length ? (
            <>
              <p class="muted">This folder also reads the secrets below. Its own secrets win over imported ones, and later imports win over earlier ones.</p>
              {view.imports.map((imported) => (
                <div class="card">
                  <h3>
                    From <a href={secretsUrl(project.id, imported.environment, imported.secretPath)}>{imported.environment} {imported.secretPath}</a>
                  </h3>
                  {imported.secrets.length ? (
                    <ul class="keys">
                      {imported.secrets.map((s) => (
                        <li>
                          <code>{s.secretKey}</code> <span class="masked">••••</span>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <p class="muted">Nothing to import there yet.</p>
                  )}
                </div>
              ))}
            </>
          ) : (
            <p class="muted">This folder imports no other folder. Imports are managed through the API (<code>/api/v2/secret-imports</code>).</p>
          )}
        </section>
      </>
    );
  }

  return renderPage(
    c,
    `${project.name} · secrets`,
    <ProjectShell project={project} actor={actor} section="secrets" title={`${project.name}: secrets`} notice={c.req.query("notice")}>
      <Tabs
        label="Environments"
        sub
        items={project.environments.map((e) => ({ href: secretsUrl(project.id, e.slug), label: e.name, current: e.slug === environment.slug }))}
      />
      {body}
    </ProjectShell>,
    status,
  );
}

export async function secretsPage(c: ConsoleContext) {
  return renderSecrets(c, await locate(c, c.req.query("path")));
}

interface SecretFields {
  errors: FieldErrors;
  key: string;
  value: string;
  comment: string;
}

function secretFields(values: Record<string, string>, keyField: "key" | "newKey"): SecretFields {
  const key = (values[keyField] ?? "").trim();
  const value = textareaValue(values.value);
  const comment = (values.comment ?? "").trim();
  const errors: FieldErrors = {};
  const keyProblem = secretKeyProblem(key);
  if (keyProblem) errors[keyField] = keyProblem;
  if (isSecretValueTooLarge(value)) errors.value = SECRET_VALUE_TOO_LARGE;
  if (isSecretCommentTooLong(comment)) errors.comment = SECRET_COMMENT_TOO_LONG;
  return { errors, key, value, comment };
}

/** Store refusals a user can fix (a taken key, a folder that moved) are shown next to `field`, not as an error page. */
async function attempt(c: ConsoleContext, at: Location, state: FormState, field: string, write: () => Promise<void>) {
  try {
    await write();
    return null;
  } catch (error) {
    if (error instanceof ApiError && (error.statusCode === 400 || error.statusCode === 404)) {
      return renderSecrets(c, at, { ...state, errors: { ...state.errors, [field]: error.message } }, 422);
    }
    throw error;
  }
}

export async function createSecret(c: ConsoleContext) {
  const values = await readForm(c);
  const at = await locate(c, values.path);
  const { errors, key, value, comment } = secretFields(values, "key");
  if (Object.keys(errors).length) return renderSecrets(c, at, { form: "create", values, errors }, 422);
  const target = { projectId: at.project.id, environment: at.environment.slug, secretPath: at.path };
  const failed = await attempt(c, at, { form: "create", values, errors }, "key", async () => {
    const fields = { key, value, comment, skipMultilineEncoding: false, reminderNote: null, reminderRepeatDays: null, metadata: [] };
    await store.createSecret(storeAs(c), target, fields);
  });
  return failed ?? c.redirect(secretsUrl(at.project.id, at.environment.slug, at.path, { notice: "secret-created" }), 303);
}

export async function updateSecret(c: ConsoleContext) {
  const values = await readForm(c);
  const at = await locate(c, values.path);
  const { errors, key: newKey, value, comment } = secretFields(values, "newKey");
  if (Object.keys(errors).length) return renderSecrets(c, at, { form: "update", values, errors }, 422);
  const key = values.key ?? "";
  const target = { projectId: at.project.id, environment: at.environment.slug, secretPath: at.path };
  const failed = await attempt(c, at, { form: "update", values, errors }, "newKey", async () => {
    await store.updateSecret(storeAs(c), target, { key, newKey: newKey === key ? undefined : newKey, value, comment });
  });
  return failed ?? c.redirect(secretsUrl(at.project.id, at.environment.slug, at.path, { notice: "secret-updated" }), 303);
}

export async function deleteSecret(c: ConsoleContext) {
  const values = await readForm(c);
  const at = await locate(c, values.path);
  const target = { projectId: at.project.id, environment: at.environment.slug, secretPath: at.path };
  await store.deleteSecret(storeAs(c), target, values.key ?? "");
  return c.redirect(secretsUrl(at.project.id, at.environment.slug, at.path, { notice: "secret-deleted" }), 303);
}

export async function createFolderAction(c: ConsoleContext) {
  const values = await readForm(c);
  const at = await locate(c, values.path);
  const name = (values.name ?? "").trim();
  const nameProblem = name ? folderNameProblem(name) : "A folder name is required";
  if (nameProblem) return renderSecrets(c, at, { form: "folder", values, errors: { name: nameProblem } }, 422);
  let folderPath = joinPath(at.path, name);
  const failed = await attempt(c, at, { form: "folder", values, errors: {} }, "name", async () => {
    const folder = await createFolder(storeAs(c), at.project.id, { environment: at.environment.slug, path: at.path, name });
    folderPath = folder.path;
  });
  return failed ?? c.redirect(secretsUrl(at.project.id, at.environment.slug, folderPath, { notice: "folder-created" }), 303);
}
