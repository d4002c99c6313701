// Limits SSM enforces on a document that neither moto nor the sandbox enforce (review 21a, R21-1, R21-6; decision 347):
// - CreateDocument, Content: "The content of the document must not exceed 64KB. This quota also includes the content
//   specified for input parameters at runtime" (MaxDocumentSizeExceeded). infra deploys a document as its compact JSON
//   text (runbook-documents.ts), so that text's UTF-8 bytes are what counts;
// - aws:updateVariable, Value: "String lengths can be a minimum length of 1 and a maximum length of 512" (SSM User Guide,
//   automation-action-update-variable).
import type { ParameterModel, RunbookModel, StepModel } from '../document';
import { allSteps } from '../document';
import { referencesInString } from '../references';

/** SSM's limit on a document's content, runtime parameters included (CreateDocument). */
export const SSM_DOCUMENT_MAX_BYTES = 65_536;
/**
 * What a document may take (60 KiB): the rest, 4,096 bytes, is left for the values of its runtime parameters, which the
 * same quota counts; the DR documents' parameters take at most 1,722 bytes by their patterns (decision 347).
 */
export const DOCUMENT_BUDGET_BYTES = 61_440;
/** aws:updateVariable's longest Value. */
export const UPDATE_VARIABLE_MAX_CHARS = 512;

/** The bytes CreateDocument receives for `content`: its compact JSON text, UTF-8. */
export function documentBytes(content: unknown): number {
  return new TextEncoder().encode(JSON.stringify(content)).length;
}

// The longest value of the system variables a Value may name: a 12-digit account, a region name (the longest today is 14
// characters; 20 allowed), a partition (aws-us-gov, 10), an execution id (a UUID, 36).
const SYSTEM_VARIABLE_MAX_CHARS: Readonly<Record<string, number>> = {
  'global:ACCOUNT_ID': 12,
  'global:REGION': 20,
  'global:AWS_PARTITION': 10,
  'automation:EXECUTION_ID': 36,
  'automation:AUTOMATION_EXECUTION_ID': 36,
};

/**
 * The longest text a regular expression admits, or undefined when it admits text of any length (*, +, {m,}) or holds what
 * is not read here (a back reference). A leading lookahead (?=.{m,n}$), as AWS's own documents bound a length, bounds it.
 */
export function patternMaxLength(pattern: string): number | undefined {
  let bound = Infinity;
  let i = 0;
  const lead = /^\^?\(\?=\^?\.\{(\d+),(\d+)\}\$\)/.exec(pattern);
  if (lead) {
    bound = Number(lead[2]);
    i = lead[0].length;
  }
  const alternatives = (): number => {
    let longest = sequence();
    while (pattern[i] === '|') {
      i += 1;
      longest = Math.max(longest, sequence());
    }
    return longest;
  };
  const sequence = (): number => {
    let total = 0;
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') {
      const width = atom();
      total += width === 0 ? 0 : width * quantifier();
    }
    return total;
  };
  const atom = (): number => {
    const c = pattern[i] as string;
    i += 1;
    if (c === '^' || c === '$') return 0;
    if (c === '\\') {
      const e = pattern[i] as string;
      i += 1;
      if (/[1-9k]/.test(e)) return NaN;
      return /[bBAzZG]/.test(e) ? 0 : 1;
    }
    if (c === '[') {
      if (pattern[i] === '^') i += 1;
      if (pattern[i] === ']') i += 1;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i += 1;
      return 1;
    }
    if (c === '(') {
      const lookaround = /^\?(=|!|<=|<!)/.exec(pattern.slice(i));
      if (lookaround) i += lookaround[0].length;
      else if (pattern.startsWith('?:', i)) i += 2;
      else if (pattern[i] === '?') return NaN;
      const inner = alternatives();
      i += 1;
      // A lookaround matches no text: it adds nothing, and any quantifier after it is read and ignored.
      if (lookaround) {
        quantifier();
        return 0;
      }
      return inner;
    }
    return 1;
  };
  const quantifier = (): number => {
    const q = /^(?:\?|\*|\+|\{(\d+)(,(\d*))?\})\??/.exec(pattern.slice(i));
    if (!q) return 1;
    i += q[0].length;
    if (q[0].startsWith('?')) return 1;
    if (q[0].startsWith('*') || q[0].startsWith('+')) return Infinity;
    if (q[2] === undefined) return Number(q[1]);
    return q[3] === '' || q[3] === undefined ? Infinity : Number(q[3]);
  };
  const longest = alternatives();
  if (i < pattern.length || Number.isNaN(longest)) return undefined;
  const max = Math.min(longest, bound);
  return Number.isFinite(max) ? max : undefined;
}

/** The longest text all of a document's parameters take at run time together, or undefined when one has no bound. */
export function runtimeParametersMaxLength(model: RunbookModel): number | undefined {
  let total = 0;
  for (const parameter of Object.values(model.parameters)) {
    const max = parameterMaxLength(parameter);
    if (max === undefined) return undefined;
    total += max;
  }
  return total;
}

/** The longest text a String parameter takes at run time: maxChars, its allowedValues or its allowedPattern, the least. */
export function parameterMaxLength(parameter: ParameterModel): number | undefined {
  const bounds: number[] = [];
  if (parameter.maxChars !== undefined) bounds.push(parameter.maxChars);
  if (parameter.allowedValues?.length) bounds.push(Math.max(...parameter.allowedValues.map((v) => String(v).length)));
  if (parameter.allowedPattern !== undefined) {
    const max = patternMaxLength(parameter.allowedPattern);
    if (max !== undefined) bounds.push(max);
  }
  return bounds.length > 0 ? Math.min(...bounds) : undefined;
}

export interface UpdateVariableProblem {
  severity: 'error' | 'warning';
  step: StepModel;
  message: string;
}

/**
 * aws:updateVariable Values that can exceed 512 characters: their text outside references plus the longest value of each
 * parameter and system variable they name. A parameter with no bound is said (a warning: the Value can be any length);
 * step outputs and variables are not counted (their length is not declared anywhere).
 */
export function updateVariableProblems(model: RunbookModel): UpdateVariableProblem[] {
  const problems: UpdateVariableProblem[] = [];
  for (const step of allSteps(model.steps)) {
    if (step.action !== 'aws:updateVariable' || typeof step.inputs.Value !== 'string') continue;
    const value = step.inputs.Value;
    const references = referencesInString(value);
    let longest = value.replace(/\{\{\s*[A-Za-z0-9_:./-]+\s*\}\}/g, '').length;
    const counted: string[] = [];
    const unbounded: string[] = [];
    for (const ref of references) {
      const max =
        ref.target.kind === 'parameter'
          ? (model.parameters[ref.target.name] ? parameterMaxLength(model.parameters[ref.target.name] as ParameterModel) : undefined)
          : ref.target.kind === 'system'
            ? SYSTEM_VARIABLE_MAX_CHARS[ref.target.name]
            : 0;
      if (max === undefined) {
        unbounded.push(ref.expression);
        continue;
      }
      longest += max;
      if (max > 0) counted.push(`${ref.expression} ${max}`);
    }
    const literal = value.replace(/\{\{\s*[A-Za-z0-9_:./-]+\s*\}\}/g, '').length;
    if (longest > UPDATE_VARIABLE_MAX_CHARS) {
      problems.push({
        severity: 'error',
        step,
        message: `inputs.Value can be ${longest} characters (${literal} of text + ${counted.join(' + ')}), over aws:updateVariable's ${UPDATE_VARIABLE_MAX_CHARS}: the step would fail; shorten the text or bound the parameters (maxChars)`,
      });
    } else if (unbounded.length > 0) {
      problems.push({
        severity: 'warning',
        step,
        message: `inputs.Value names ${unbounded.map((n) => `{{ ${n} }}`).join(', ')}, of no bounded length (no maxChars, allowedValues or bounded allowedPattern): the Value can exceed aws:updateVariable's ${UPDATE_VARIABLE_MAX_CHARS} characters`,
      });
    }
  }
  return problems;
}
