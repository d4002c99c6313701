// The handler functions an Automation document's aws:invokeLambdaFunction steps run: one source for infra (the
// automation role's lambda:InvokeFunction, the workload role's grant on each function: runbook-documents.ts,
// runbook-stack.ts) and preflight (which grants it accepts: cli/preflight/rule-permission-checks.ts deployedInvokers,
// review 19 R19-14, decision 320). Pure, no CDK: the CLI bundles it.

const DEPLOY_TOKEN = /\$\{Deploy\.[A-Za-z0-9.]+\}/g;

/** What a document's steps invoke: functions by name, and whether a step leaves its function open. */
export interface DocumentInvocations {
  invokedFunctions: string[];
  invokesParameterizedFunction: boolean;
}

/**
 * The function an aws:invokeLambdaFunction step runs: a literal name or ARN, or `{{ Parameter }}` with that parameter's
 * default (`${Deploy.HandlerArnPrefix}notification-runbooks-<handler>`, or the ARN it renders to). The role may invoke
 * only that function: another value given at start is refused by IAM. Undefined when the step names no function the
 * document fixes.
 */
export function functionOfStep(functionName: string, parameters: unknown): string | undefined {
  const reference = /^\{\{\s*([A-Za-z0-9_]+)\s*\}\}$/.exec(functionName.trim());
  const fixed = reference ? (parameters as Record<string, { default?: unknown }> | undefined)?.[reference[1] ?? '']?.default : functionName;
  if (typeof fixed !== 'string' || fixed === '' || fixed.includes('{{')) return undefined;
  return fixed.replace(DEPLOY_TOKEN, '').split(':').pop();
}

/** Pure: the invocations of a document's content (its mainSteps), as deployed or as written. */
export function invocationsOf(content: unknown): DocumentInvocations {
  const doc = (content ?? {}) as { mainSteps?: unknown; parameters?: unknown };
  const steps = (Array.isArray(doc.mainSteps) ? doc.mainSteps : []) as Array<{ action?: unknown; inputs?: Record<string, unknown> }>;
  const invokedFunctions = new Set<string>();
  let invokesParameterizedFunction = false;
  for (const step of steps) {
    if (String(step.action) !== 'aws:invokeLambdaFunction') continue;
    const fn = functionOfStep(String(step.inputs?.FunctionName ?? ''), doc.parameters);
    if (fn === undefined) invokesParameterizedFunction = true;
    else invokedFunctions.add(fn);
  }
  return { invokedFunctions: [...invokedFunctions], invokesParameterizedFunction };
}

/** The handler functions (by name) the documents invoke; every handler when a step leaves its function open. */
export function invokedHandlerFunctions(documents: readonly DocumentInvocations[], handlerFunctions: readonly string[]): string[] {
  if (documents.some((d) => d.invokesParameterizedFunction)) return [...handlerFunctions];
  const invoked = new Set(documents.flatMap((d) => d.invokedFunctions));
  return handlerFunctions.filter((name) => invoked.has(name));
}
