// `{{ Parameter }}` placeholders inside typed values: what the value is after Automation substitutes them. Pure.
//
// Automation substitutes parameters, step outputs and system variables before it validates a step's inputs
// (`Duration: PT{{ Minutes }}M`, `MaxIterations: '{{ Count }}'`), so a typed check must look at the value after
// substitution. Statically the linter knows a parameter's default, or only its type and allowedPattern / allowedValues,
// or a step output's declared Type, or nothing: each substitution says how sure it is, and a check that fails on a
// value it could not decide is a warning, never an error.
import type { ParameterModel, PathSegment, RunbookModel } from '../document';
import { ACTIONS } from '../actions';
import { classifyReference } from '../references';

/**
 * known: the parameter's default (or a system variable's documented form): a failure is an error.
 * typed: only the type is known (an Integer with no default, a StringList output): a failure is a warning.
 * unknown: nothing is known (an undeclared output type, a Parameter Store value): the placeholder text is kept.
 */
export type Certainty = 'known' | 'typed' | 'unknown';

export interface Substitution {
  /** The reference expression, e.g. "Minutes" or "GetTimeout.Seconds". */
  expression: string;
  certainty: Certainty;
  /** What stood in for it, for messages. */
  value: unknown;
  /** Why the linter chose that value, e.g. "its default" or "a sample of type Integer". */
  basis: string;
  /** Where the placeholder sits, relative to the value given to substitute(). */
  path?: PathSegment[];
}

export interface Substituted {
  value: unknown;
  substitutions: Substitution[];
}

const WHOLE = /^\s*\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}\s*$/;
const ANY = /\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}/g;
const RANK: Record<Certainty, number> = { known: 2, typed: 1, unknown: 0 };

/** The least certain of some substitutions ("known" when there are none). */
export function weakest(substitutions: readonly Substitution[]): Certainty {
  return substitutions.reduce<Certainty>((least, s) => (RANK[s.certainty] < RANK[least] ? s.certainty : least), 'known');
}

export const hasPlaceholder = (value: unknown): boolean => typeof value === 'string' && /\{\{[^}]*\}\}/.test(value);

// Documented forms of the system variables (Automation user guide, "Automation system variables").
const SYSTEM_SAMPLES: Record<string, string> = {
  'global:account_id': '123456789012',
  'global:date': '2026-01-31',
  'global:date_time': '2026-01-31_09.30.00',
  'global:aws_partition': 'aws',
  'global:region': 'us-east-1',
  'automation:execution_id': '00000000-0000-0000-0000-000000000000',
  'automation:automation_execution_id': '00000000-0000-0000-0000-000000000000',
};

// Strings tried, in order, as a sample of a String parameter that has an allowedPattern and no default.
const STRING_CANDIDATES = ['1', '10', 'true', 'a', 'example', 'example-1', 'i-0123456789abcdef0', 'arn:aws:iam::123456789012:role/example'];

function compile(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // try the next flags
    }
  }
  return undefined;
}

/** A value of an SSM type, standing for "some value of this type". */
function sampleOfType(type: string): unknown {
  if (type === 'Integer') return 1;
  if (type === 'Boolean') return true;
  if (type === 'StringList' || type.startsWith('List<')) return ['example'];
  if (type === 'StringMap') return {};
  if (type === 'MapList') return [{}];
  return undefined;
}

/** The typed value of a default as Automation passes it ("5" for an Integer is 5). */
function typedDefault(parameter: ParameterModel): unknown {
  const value = parameter.default;
  if (parameter.type === 'Integer' && typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  if (parameter.type === 'Boolean' && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return value;
}

function resolveParameter(expression: string, parameter: ParameterModel): Substitution {
  const usableDefault =
    parameter.hasDefault && parameter.default !== null && parameter.default !== '' && !hasPlaceholder(parameter.default) && !(Array.isArray(parameter.default) && parameter.default.some(hasPlaceholder));
  // An empty default is the usual way of saying "required, no default" in AWS's own runbooks: not a value to check.
  if (usableDefault) return { expression, certainty: 'known', value: typedDefault(parameter), basis: 'its default' };
  const typed = sampleOfType(parameter.type);
  if (typed !== undefined) return { expression, certainty: 'typed', value: typed, basis: `a sample of type ${parameter.type}` };
  if (parameter.allowedValues && parameter.allowedValues.length > 0) {
    return { expression, certainty: 'typed', value: parameter.allowedValues[0], basis: 'its first allowed value' };
  }
  if (parameter.allowedPattern !== undefined) {
    const pattern = compile(parameter.allowedPattern);
    const sample = pattern ? STRING_CANDIDATES.find((c) => pattern.test(c)) : undefined;
    if (sample !== undefined) return { expression, certainty: 'typed', value: sample, basis: `a sample matching its allowedPattern ${parameter.allowedPattern}` };
  }
  return { expression, certainty: 'unknown', value: `{{ ${expression} }}`, basis: 'no default and no pattern to take a sample from' };
}

/** What one `{{ expression }}` stands for, as far as the document says. */
export function resolvePlaceholder(expression: string, model: RunbookModel): Substitution {
  const target = classifyReference(expression);
  const unknown = (basis: string): Substitution => ({ expression, certainty: 'unknown', value: `{{ ${expression} }}`, basis });
  switch (target.kind) {
    case 'system': {
      const sample = SYSTEM_SAMPLES[target.name.toLowerCase()];
      return sample === undefined ? unknown('not a documented system variable') : { expression, certainty: 'typed', value: sample, basis: 'the form of that system variable' };
    }
    case 'parameter': {
      const parameter = model.parameters[target.name];
      return parameter ? resolveParameter(expression, parameter) : unknown('not a parameter of this document');
    }
    case 'step-output': {
      const step = [...allStepsOf(model)].find((s) => s.name === target.step);
      const declared = step?.outputs.find((o) => o.name === target.output);
      // A String output says nothing about its text: only the other types give a sample worth checking.
      const typed = declared ? sampleOfType(declared.type) : undefined;
      if (typed !== undefined && declared) return { expression, certainty: 'typed', value: typed, basis: `a sample of its declared Type ${declared.type}` };
      const implicit = step ? (ACTIONS[step.action]?.implicitOutputs ?? []).includes(target.output) : false;
      if (declared) return unknown(`a ${declared.type} output, known only at run time`);
      return unknown(implicit ? `an output of ${step?.action ?? 'the action'} whose type is not declared` : 'an output with no declared Type');
    }
    case 'variable': {
      const variable = model.variables[target.name];
      if (variable && 'default' in variable && variable.default !== undefined) return { expression, certainty: 'typed', value: variable.default, basis: 'its initial value' };
      return unknown('a document variable');
    }
    case 'parameter-store':
      return unknown('a Parameter Store value, read at run time');
  }
}

function* allStepsOf(model: RunbookModel): Generator<RunbookModel['steps'][number]> {
  const pending = [...model.steps];
  for (let step = pending.shift(); step !== undefined; step = pending.shift()) {
    yield step;
    pending.push(...step.loopSteps);
  }
}

/**
 * The value with every placeholder substituted. A value that is one whole placeholder becomes the typed value (a
 * number, a list); a placeholder inside text becomes its text. What could not be resolved stays as written.
 */
export function substitute(value: unknown, model: RunbookModel, skipKeys: readonly string[] = [], options: { scalarsAsText?: boolean } = {}): Substituted {
  const substitutions: Substitution[] = [];
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole?.[1] !== undefined) {
        const resolved = { ...resolvePlaceholder(whole[1], model), path };
        substitutions.push(resolved);
        if (resolved.certainty === 'unknown') return node;
        // The schema types many inputs as text that Automation fills from an Integer or Boolean: the text is what counts.
        return options.scalarsAsText && (typeof resolved.value === 'number' || typeof resolved.value === 'boolean') ? String(resolved.value) : resolved.value;
      }
      if (!hasPlaceholder(node)) return node;
      return node.replace(ANY, (text, expression: string) => {
        const resolved = { ...resolvePlaceholder(expression, model), path };
        const scalar = typeof resolved.value === 'string' || typeof resolved.value === 'number' || typeof resolved.value === 'boolean';
        if (resolved.certainty === 'unknown' || !scalar) {
          substitutions.push({ ...resolved, certainty: 'unknown' });
          return text;
        }
        substitutions.push(resolved);
        return String(resolved.value);
      });
    }
    if (Array.isArray(node)) {
      // A list placeholder as an item of a list is spliced in: ['{{ step.InstanceIds }}'] is the list itself.
      return node.flatMap((item, i) => {
        const substituted = walk(item, [...path, i]);
        return typeof item === 'string' && WHOLE.test(item) && Array.isArray(substituted) ? substituted : [substituted];
      });
    }
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, skipKeys.includes(k) ? v : walk(v, [...path, k])]));
    }
    return node;
  };
  return { value: walk(value, []), substitutions };
}

/** "{{ Minutes }} = 5 (its default)", for messages. */
export function describeSubstitutions(substitutions: readonly Substitution[]): string {
  return substitutions.map((s) => (s.certainty === 'unknown' ? `{{ ${s.expression} }} is ${s.basis}` : `{{ ${s.expression} }} = ${JSON.stringify(s.value)} (${s.basis})`)).join('; ');
}

/** What a value of an SSM type is, as Automation passes it: one value, a list or a map. */
export type ValueKind = 'scalar' | 'list' | 'map';

function kindOfType(type: string): ValueKind {
  if (type === 'StringList' || type === 'MapList' || type.startsWith('List<')) return 'list';
  if (type === 'StringMap') return 'map';
  return 'scalar';
}

/**
 * Whether a whole `{{ expression }}` is one value, a list or a map: from the parameter's or output's declared type,
 * which does not depend on the value given at run time. Undefined when nothing declares it.
 */
export function placeholderKind(expression: string, model: RunbookModel): ValueKind | undefined {
  const target = classifyReference(expression);
  switch (target.kind) {
    case 'system':
      return 'scalar';
    case 'parameter': {
      const parameter = model.parameters[target.name];
      return parameter ? kindOfType(parameter.type) : undefined;
    }
    case 'step-output': {
      const step = [...allStepsOf(model)].find((s) => s.name === target.step);
      const declared = step?.outputs.find((o) => o.name === target.output);
      return declared ? kindOfType(declared.type) : undefined;
    }
    case 'variable': {
      const variable = model.variables[target.name];
      return variable ? kindOfType(variable.type) : undefined;
    }
    case 'parameter-store':
      return undefined;
  }
}

/** A whole `{{ expression }}`'s declared type (String for a system variable); undefined when nothing declares it. */
export function placeholderType(expression: string, model: RunbookModel): string | undefined {
  const target = classifyReference(expression);
  switch (target.kind) {
    case 'system':
      return 'String';
    case 'parameter':
      return model.parameters[target.name]?.type;
    case 'step-output':
      return [...allStepsOf(model)].find((s) => s.name === target.step)?.outputs.find((o) => o.name === target.output)?.type;
    case 'variable':
      return model.variables[target.name]?.type;
    case 'parameter-store':
      return undefined;
  }
}

/** The expression of a value that is one whole placeholder, else undefined. */
export function wholePlaceholder(value: unknown): string | undefined {
  return typeof value === 'string' ? WHOLE.exec(value)?.[1] : undefined;
}
