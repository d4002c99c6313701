// A document's parameters for a rehearsal: --param K=V text into typed values, checked as StartAutomationExecution checks them.
import type { ParameterModel, RunbookModel } from '../../shared/runbooks/document';
import { asBoolean } from '../../shared/runbooks/document';

export class RehearsalInputError extends Error {
  override readonly name = 'RehearsalInputError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

/** "K=V" arguments, repeatable: a StringList parameter given twice gets both values. */
export function parseParameterArguments(args: readonly string[]): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new RehearsalInputError(`--param ${JSON.stringify(arg)}: expected NAME=VALUE`);
    const name = arg.slice(0, eq).trim();
    (values[name] ??= []).push(arg.slice(eq + 1));
  }
  return values;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RehearsalInputError(`${what}: expected JSON, got ${JSON.stringify(text)}`);
  }
}

/** One parameter's text values as its type. StringList: repeated values, a JSON list, or comma-separated text. */
function typed(parameter: ParameterModel, texts: readonly string[]): unknown {
  const what = `parameter ${parameter.name} (${parameter.type})`;
  const single = texts[texts.length - 1] ?? '';
  switch (parameter.type) {
    case 'Integer': {
      if (!/^-?\d+$/.test(single.trim())) throw new RehearsalInputError(`${what}: expected a whole number, got ${JSON.stringify(single)}`);
      return Number(single);
    }
    case 'Boolean': {
      const b = asBoolean(single);
      if (b === undefined) throw new RehearsalInputError(`${what}: expected true or false, got ${JSON.stringify(single)}`);
      return b;
    }
    case 'StringMap':
      return parseJson(single, what);
    case 'MapList':
      return parseJson(single, what);
    default:
      if (parameter.type === 'StringList' || parameter.type.startsWith('List<')) {
        if (texts.length > 1) return [...texts];
        if (single.trim().startsWith('[')) return parseJson(single, what);
        return single === '' ? [] : single.split(',').map((s) => s.trim());
      }
      return single;
  }
}

function checkConstraints(parameter: ParameterModel, value: unknown, problems: string[]): void {
  const name = parameter.name;
  if (parameter.allowedValues) {
    const allowed = parameter.allowedValues.map((v) => String(v));
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (!allowed.includes(String(v))) problems.push(`${name}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
  }
  if (parameter.allowedPattern !== undefined) {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(parameter.allowedPattern);
    } catch {
      pattern = undefined;
    }
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (pattern && typeof v === 'string' && !pattern.test(v)) problems.push(`${name}: ${JSON.stringify(v)} does not match ${parameter.allowedPattern}`);
  }
  if (Array.isArray(value)) {
    if (parameter.minItems !== undefined && value.length < parameter.minItems) problems.push(`${name}: at least ${parameter.minItems} value(s) needed`);
    if (parameter.maxItems !== undefined && value.length > parameter.maxItems) problems.push(`${name}: at most ${parameter.maxItems} value(s) allowed`);
  }
  if (typeof value === 'string') {
    if (parameter.minChars !== undefined && value.length < parameter.minChars) problems.push(`${name}: at least ${parameter.minChars} characters needed`);
    if (parameter.maxChars !== undefined && value.length > parameter.maxChars) problems.push(`${name}: at most ${parameter.maxChars} characters allowed`);
  }
}

/**
 * Typed parameter values: given ones, then defaults. Unknown names, missing required parameters and values outside
 * allowedValues / allowedPattern are refused with every problem listed, as AWS refuses to start such an execution.
 */
export function resolveParameters(model: RunbookModel, given: Readonly<Record<string, readonly string[]>>): Record<string, unknown> {
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in model.parameters)) problems.push(`${name}: the document has no such parameter (it has ${Object.keys(model.parameters).join(', ') || 'none'})`);
  }
  const values: Record<string, unknown> = {};
  for (const parameter of Object.values(model.parameters)) {
    const texts = given[parameter.name];
    let value: unknown;
    if (texts !== undefined) {
      try {
        value = typed(parameter, texts);
      } catch (error) {
        problems.push((error as Error).message);
        continue;
      }
    } else if (parameter.hasDefault) {
      value = parameter.default;
    } else {
      problems.push(`${parameter.name}: required (${parameter.description ?? parameter.type}); pass --param ${parameter.name}=...`);
      continue;
    }
    // Defaults are not checked against the constraints: AWS does not either, and {{ ssm:... }} defaults resolve later.
    if (texts !== undefined) checkConstraints(parameter, value, problems);
    values[parameter.name] = value;
  }
  if (problems.length > 0) throw new RehearsalInputError(`invalid parameters: ${problems.join('; ')}`, problems);
  return values;
}
