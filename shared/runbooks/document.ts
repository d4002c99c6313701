// Reads an SSM Automation document (YAML or JSON) into a typed model, keeping line numbers so findings can point at them.
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isNode, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

export type PathSegment = string | number;

export interface OutputDeclaration {
  name: string;
  selector: string;
  type: string;
}

export interface ParameterModel {
  name: string;
  type: string;
  description?: string;
  default?: unknown;
  hasDefault: boolean;
  allowedValues?: unknown[];
  allowedPattern?: string;
  minItems?: number;
  maxItems?: number;
  minChars?: number;
  maxChars?: number;
}

export interface StepModel {
  /** Position in its step list (mainSteps, or the Steps of an aws:loop). */
  index: number;
  /** Path of the step in the document, e.g. ["mainSteps", 3]. */
  path: PathSegment[];
  name: string;
  action: string;
  description?: string;
  inputs: Record<string, unknown>;
  outputs: OutputDeclaration[];
  nextStep?: string;
  onFailure?: string;
  onCancel?: string;
  /** isEnd and isCritical accept true/false or the strings "true"/"false" (AWS-authored documents use both). */
  isEnd: boolean;
  isCritical?: boolean;
  maxAttempts?: number;
  timeoutSeconds?: number;
  /** The steps inside an aws:loop. */
  loopSteps: StepModel[];
  /** The loop step this step runs inside, if any. */
  parentLoop?: string;
}

export interface RunbookModel {
  schemaVersion?: string;
  description?: string;
  assumeRole?: string;
  parameters: Record<string, ParameterModel>;
  variables: Record<string, { type: string; default?: unknown }>;
  steps: StepModel[];
  /** Top-level `outputs`: "step.Output" strings. */
  outputs: string[];
}

export interface LoadedRunbook {
  file: string;
  /** The document as parsed, before any narrowing: what the JSON Schema validates. */
  content: unknown;
  /** The typed model; undefined when the document is not even a mapping. */
  model?: RunbookModel;
  /** YAML/JSON syntax problems, with their line. */
  syntaxErrors: Array<{ message: string; line?: number }>;
  /** 1-based line of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export class RunbookReadError extends Error {
  override readonly name = 'RunbookReadError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const num = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value);
  return undefined;
};

/** true/false, "true"/"false" (any case), as AWS reads isEnd, isCritical and Boolean parameters. */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return undefined;
}

function outputsOf(value: unknown): OutputDeclaration[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    if (!isRecord(item)) return [];
    const name = str(item.Name);
    if (name === undefined) return [];
    return [{ name, selector: str(item.Selector) ?? '', type: str(item.Type) ?? 'String' }];
  });
}

function stepsOf(value: unknown, basePath: PathSegment[], parentLoop?: string): StepModel[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((raw, index): StepModel[] => {
    if (!isRecord(raw)) return [];
    const path = [...basePath, index];
    const name = str(raw.name) ?? `#${index + 1}`;
    const action = str(raw.action) ?? '';
    const inputs = isRecord(raw.inputs) ? raw.inputs : {};
    const step: StepModel = {
      index,
      path,
      name,
      action,
      inputs,
      outputs: outputsOf(raw.outputs),
      isEnd: asBoolean(raw.isEnd) ?? false,
      loopSteps: action === 'aws:loop' ? stepsOf(inputs.Steps, [...path, 'inputs', 'Steps'], name) : [],
    };
    const optional: Partial<StepModel> = {
      description: str(raw.description),
      nextStep: str(raw.nextStep),
      onFailure: str(raw.onFailure),
      onCancel: str(raw.onCancel),
      isCritical: asBoolean(raw.isCritical),
      maxAttempts: num(raw.maxAttempts),
      timeoutSeconds: num(raw.timeoutSeconds),
      parentLoop,
    };
    for (const [key, v] of Object.entries(optional)) if (v !== undefined) Object.assign(step, { [key]: v });
    return [step];
  });
}

function parametersOf(value: unknown): Record<string, ParameterModel> {
  if (!isRecord(value)) return {};
  const parameters: Record<string, ParameterModel> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isRecord(raw)) continue;
    const parameter: ParameterModel = { name, type: str(raw.type) ?? 'String', hasDefault: 'default' in raw };
    if (str(raw.description) !== undefined) parameter.description = str(raw.description);
    if ('default' in raw) parameter.default = raw.default;
    if (Array.isArray(raw.allowedValues)) parameter.allowedValues = raw.allowedValues;
    if (str(raw.allowedPattern) !== undefined) parameter.allowedPattern = str(raw.allowedPattern);
    for (const key of ['minItems', 'maxItems', 'minChars', 'maxChars'] as const) {
      const n = num(raw[key]);
      if (n !== undefined) parameter[key] = n;
    }
    parameters[name] = parameter;
  }
  return parameters;
}

/** The typed model of a parsed document; tolerant of anything malformed (the schema reports that). */
export function runbookModel(content: unknown): RunbookModel | undefined {
  if (!isRecord(content)) return undefined;
  const variables: RunbookModel['variables'] = {};
  if (isRecord(content.variables)) {
    for (const [name, raw] of Object.entries(content.variables)) {
      if (isRecord(raw)) variables[name] = { type: str(raw.type) ?? 'String', ...('default' in raw ? { default: raw.default } : {}) };
    }
  }
  const model: RunbookModel = {
    parameters: parametersOf(content.parameters),
    variables,
    steps: stepsOf(content.mainSteps, ['mainSteps']),
    outputs: Array.isArray(content.outputs) ? content.outputs.filter((o): o is string => typeof o === 'string') : [],
  };
  const schemaVersion = content.schemaVersion;
  if (typeof schemaVersion === 'string' || typeof schemaVersion === 'number') model.schemaVersion = String(schemaVersion);
  if (str(content.description) !== undefined) model.description = str(content.description);
  if (str(content.assumeRole) !== undefined) model.assumeRole = str(content.assumeRole);
  return model;
}

/** Parses document text. JSON is parsed by the same YAML 1.2 parser (JSON is a subset), so both keep line numbers. */
export function parseRunbook(file: string, text: string): LoadedRunbook {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxErrors = doc.errors.map((e) => ({ message: e.message.split('\n')[0] ?? e.message, line: e.linePos?.[0]?.line }));
  const content: unknown = syntaxErrors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });

  const lineOf = (path: readonly PathSegment[]): number | undefined => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return lineCounter.linePos((node as YamlNode).range?.[0] ?? 0).line;
      // A key whose value is null has no value node: point at the parent map.
      if (depth > 0) {
        const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
        if (isMap(parent)) {
          const key = path[depth - 1];
          const pair = parent.items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === key);
          if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
        } else if (isSeq(parent) && parent.range) {
          return lineCounter.linePos(parent.range[0]).line;
        }
      }
    }
    return undefined;
  };

  const loaded: LoadedRunbook = { file, content, syntaxErrors, lineOf };
  const model = runbookModel(content);
  if (model) loaded.model = model;
  return loaded;
}

export function readRunbook(file: string): LoadedRunbook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RunbookReadError(file, `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseRunbook(file, text);
}

/** Every step, loop bodies included, in document order. */
export function allSteps(steps: readonly StepModel[]): StepModel[] {
  return steps.flatMap((step) => [step, ...allSteps(step.loopSteps)]);
}
