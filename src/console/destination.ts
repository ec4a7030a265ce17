/**
 * The destination dropdowns, filled on the server from the connection's option endpoints (the script refreshes them
 * in the browser as selections change), and the check that what was chosen is still on offer.
 */
import * as connections from "../connections/service";
import { ApiError } from "../lib/errors";
import type { ConsoleContext } from "./context";
import { connectionDeps } from "./deps";
import type { SyncForm } from "./sync-form";
import type { FieldErrors } from "./ui/components";

export interface OptionList {
  options: connections.QoveryOption[];
  error?: string;
}

export interface DestinationChoices {
  connections: OptionList;
  organizations?: OptionList;
  projects?: OptionList;
  environments?: OptionList;
}

async function optionList(list: () => Promise<connections.QoveryOption[]>): Promise<OptionList> {
  try {
    return { options: await list() };
  } catch (error) {
    if (error instanceof ApiError && error.statusCode < 500) return { options: [], error: error.message };
    if (error instanceof ApiError) return { options: [], error: `Qovery could not be reached: ${error.message}` };
    throw error;
  }
}

const listed = (list: OptionList | undefined, id: string) => list?.options.find((o) => o.id === id);

/**
 * The lists for what is selected so far: the connections the caller may use in the project, then what the chosen
 * one's token reaches. A lone connection or organization is selected for the user, so the common case needs no
 * clicks; each level is only listed once the one above it is a valid choice.
 */
export async function loadDestinationChoices(c: ConsoleContext, projectId: string, form: SyncForm): Promise<{ form: SyncForm; choices: DestinationChoices }> {
  const next = { ...form };
  const deps = connectionDeps(c);
  const choices: DestinationChoices = { connections: await optionList(() => connections.listAvailableConnections(deps, projectId)) };
  if (!next.connectionId && choices.connections.options.length === 1) next.connectionId = choices.connections.options[0]!.id;
  if (!listed(choices.connections, next.connectionId)) return { form: next, choices };

  choices.organizations = await optionList(() => connections.listConnectionOrganizations(deps, next.connectionId, projectId));
  if (!next.organizationId && choices.organizations.options.length === 1) next.organizationId = choices.organizations.options[0]!.id;
  if (!listed(choices.organizations, next.organizationId)) return { form: next, choices };

  choices.projects = await optionList(() => connections.listConnectionProjects(deps, next.connectionId, next.organizationId, projectId));
  if (!listed(choices.projects, next.qoveryProjectId)) return { form: next, choices };

  const { connectionId, qoveryProjectId } = next;
  choices.environments = await optionList(() => connections.listConnectionEnvironments(deps, connectionId, qoveryProjectId, projectId));
  return { form: next, choices };
}

/** Problems with the chosen destination, and the form with the chosen items' display names filled in. */
export function checkDestination(form: SyncForm, choices: DestinationChoices): { form: SyncForm; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const connection = listed(choices.connections, form.connectionId);
  if (!connection) errors.connectionId = choices.connections.error ?? (form.connectionId ? "This connection is not available to the project." : "Choose a Qovery connection.");
  const organization = listed(choices.organizations, form.organizationId);
  if (connection && !organization) {
    errors.organizationId = choices.organizations?.error ?? (form.organizationId ? "This organization is not reachable with the connection's token." : "Choose an organization.");
  }
  const project = listed(choices.projects, form.qoveryProjectId);
  if (organization && !project) errors.qoveryProjectId = choices.projects?.error ?? (form.qoveryProjectId ? "This project is not in the organization." : "Choose a Qovery project.");
  const environment = form.qoveryEnvironmentId ? listed(choices.environments, form.qoveryEnvironmentId) : undefined;
  if (project && form.qoveryEnvironmentId && !environment) errors.qoveryEnvironmentId = choices.environments?.error ?? "This environment is not in the project.";
  return {
    errors,
    form: {
      ...form,
      organizationName: organization?.name ?? "",
      qoveryProjectName: project?.name ?? "",
      qoveryEnvironmentName: environment?.name ?? "",
    },
  };
}
