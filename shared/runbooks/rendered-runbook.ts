// A loaded document with its deploy-time values filled in, as infra deploys it: what the linter checks and the rehearsal runs.
import { defaultConfig } from '../config/defaults';
import { mergeConfig, parseAutomationConfig } from '../config/load-config';
import { ENVIRONMENTS, type AutomationConfig, type EnvironmentName } from '../config/schema';
import { runbookModel, type LoadedRunbook } from './document';
import { hasDeployTokens, renderRunbookContent, runbookDeployValues, type DeployedWhere } from '../config/runbook-deploy-values';

/** The project's configuration as RUNBOOK_CONFIG_JSON overrides it (the same merge the handlers and infra do). */
export function projectConfig(env: Record<string, string | undefined> = process.env): AutomationConfig {
  const overrides: unknown = env.RUNBOOK_CONFIG_JSON ? (JSON.parse(env.RUNBOOK_CONFIG_JSON) as unknown) : {};
  return parseAutomationConfig(mergeConfig(defaultConfig, overrides));
}

/** The document rendered for one environment and account; a document without tokens is returned as is. Line numbers stay the source's. */
export function renderLoadedRunbook(
  loaded: LoadedRunbook,
  config: AutomationConfig,
  environment: EnvironmentName,
  where: DeployedWhere,
): LoadedRunbook {
  if (!hasDeployTokens(loaded.content)) return loaded;
  const content = renderRunbookContent(loaded.content, runbookDeployValues(config, environment, where));
  const rendered: LoadedRunbook = { file: loaded.file, content, syntaxErrors: loaded.syntaxErrors, lineOf: loaded.lineOf };
  const model = runbookModel(content);
  if (model) rendered.model = model;
  return rendered;
}

/** The environments a project document is deployed to: it is linted once per rendering. */
export const RENDERED_ENVIRONMENTS: readonly EnvironmentName[] = ENVIRONMENTS;
