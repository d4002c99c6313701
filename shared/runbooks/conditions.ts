// aws:branch choices and aws:loop conditions: checking their shape (linter) and evaluating them (rehearsal). Pure.
//
// A condition is {Variable, <operator>: operand}, or And: [conditions], Or: [conditions], Not: condition
// ("Using conditional statements in runbooks", Automation user guide).
import { asBoolean } from './document';

export const OPERATORS = {
  StringEquals: 'string',
  EqualsIgnoreCase: 'string',
  StartsWith: 'string',
  EndsWith: 'string',
  Contains: 'string',
  NumericEquals: 'number',
  NumericGreater: 'number',
  NumericLesser: 'number',
  NumericGreaterOrEquals: 'number',
  NumericLesserOrEquals: 'number',
  BooleanEquals: 'boolean',
} as const;

export type Operator = keyof typeof OPERATORS;
const OPERATOR_NAMES = Object.keys(OPERATORS) as Operator[];
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isReference = (value: unknown): boolean => typeof value === 'string' && /^\s*\{\{[^}]+\}\}\s*$/.test(value);

/** Problems with one condition, as "where: what" lines; `where` is a dotted path under `at`. */
export function conditionProblems(condition: unknown, at: string): string[] {
  if (!isRecord(condition)) return [`${at}: a condition must be a map`];
  const compound = ['And', 'Or', 'Not'].filter((k) => k in condition);
  const operators = OPERATOR_NAMES.filter((op) => op in condition);
  if (compound.length + operators.length === 0) {
    return [`${at}: no condition (expected Variable with one of ${OPERATOR_NAMES.join(', ')}, or And / Or / Not)`];
  }
  if (compound.length + operators.length > 1) return [`${at}: more than one condition (${[...compound, ...operators].join(', ')}) in one place`];
  if (compound[0] === 'Not') return conditionProblems(condition.Not, `${at}.Not`);
  if (compound[0] === 'And' || compound[0] === 'Or') {
    const items = condition[compound[0]];
    if (!Array.isArray(items) || items.length === 0) return [`${at}.${compound[0]}: must be a non-empty list of conditions`];
    return items.flatMap((item, i) => conditionProblems(item, `${at}.${compound[0]}[${i}]`));
  }
  const operator = operators[0] as Operator;
  const problems: string[] = [];
  if (!('Variable' in condition)) problems.push(`${at}: ${operator} needs a Variable`);
  else if (typeof condition.Variable !== 'string' || !isReference(condition.Variable)) {
    problems.push(`${at}.Variable: must be a {{ reference }} to a parameter or step output, got ${JSON.stringify(condition.Variable)}`);
  }
  const operand = condition[operator];
  const kind = OPERATORS[operator];
  if (!isReference(operand)) {
    if (kind === 'number' && !(typeof operand === 'number' || (typeof operand === 'string' && operand.trim() !== '' && Number.isFinite(Number(operand))))) {
      problems.push(`${at}.${operator}: must be a number, got ${JSON.stringify(operand)}`);
    }
    if (kind === 'boolean' && asBoolean(operand) === undefined) problems.push(`${at}.${operator}: must be true or false, got ${JSON.stringify(operand)}`);
    if (kind === 'string' && (typeof operand === 'object' || operand === undefined)) problems.push(`${at}.${operator}: must be a string, got ${JSON.stringify(operand)}`);
  }
  return problems;
}

/**
 * Operands of the wrong type (review 22b, R22b-3): a String operation (StringEquals, StartsWith, ...) over a whole
 * reference to an Integer or Boolean; a Numeric one over a Boolean, a list or a map; BooleanEquals over an Integer, a
 * list or a map. aws:branch lists its String and Numeric operations apart, and Automation documents no conversion
 * between types (aws:updateVariable: "Data type conversions aren't supported"); text compared as a number or a boolean
 * is what AWS's own documents do with String outputs, and is left alone. `typeOf` answers a reference's declared type
 * (String for a system variable), undefined when nothing declares it (then nothing is said).
 */
export function operandTypeProblems(condition: unknown, at: string, typeOf: (expression: string) => string | undefined): string[] {
  if (!isRecord(condition)) return [];
  if ('Not' in condition) return operandTypeProblems(condition.Not, `${at}.Not`, typeOf);
  for (const compound of ['And', 'Or'] as const) {
    const items = condition[compound];
    if (compound in condition) return Array.isArray(items) ? items.flatMap((item, i) => operandTypeProblems(item, `${at}.${compound}[${i}]`, typeOf)) : [];
  }
  const operator = OPERATOR_NAMES.find((op) => op in condition);
  if (!operator) return [];
  const kind = OPERATORS[operator];
  // A String compared as a number is numeric text (SQS's ApproximateNumberOfMessages is one), as AWS's own documents do.
  const fits = (type: string): boolean => (kind === 'string' ? type === 'String' : kind === 'number' ? type === 'Integer' || type === 'String' : type === 'Boolean' || type === 'String');
  return (['Variable', operator] as const).flatMap((key) => {
    const value = condition[key];
    const expression = typeof value === 'string' ? /^\s*\{\{\s*([^}]+?)\s*\}\}\s*$/.exec(value)?.[1] : undefined;
    const type = expression === undefined ? undefined : typeOf(expression);
    return type === undefined || fits(type) ? [] : [`${at}.${key}: ${operator} compares ${kind === 'number' ? 'numbers' : `${kind}s`}, but {{ ${expression} }} is ${type === 'Integer' ? 'an' : 'a'} ${type}`];
  });
}

/**
 * What `resolve` answers for a step output its step did not produce (its Selector matched nothing). Automation leaves
 * such an output out, and a choice over it is not taken: the user guide's aws:branch example (from AWSSupport-
 * ExecuteEC2Rescue) selects `$.Reservations[0].Instances[0].Platform`, which EC2 answers for Windows only, and takes
 * its Default for Linux (decision 171). Under Not the documentation shows nothing, so that throws rather than guess.
 */
export const NO_OUTPUT: unique symbol = Symbol('no output');

/** Evaluates a condition; `resolve` turns a value (usually a {{ reference }}) into its run-time value, or NO_OUTPUT. */
export function evaluateCondition(condition: unknown, resolve: (value: unknown) => unknown, negated = false): boolean {
  if (!isRecord(condition)) throw new Error('a condition must be a map');
  if ('Not' in condition) return !evaluateCondition(condition.Not, resolve, !negated);
  if ('And' in condition) return (condition.And as unknown[]).every((c) => evaluateCondition(c, resolve, negated));
  if ('Or' in condition) return (condition.Or as unknown[]).some((c) => evaluateCondition(c, resolve, negated));
  const operator = OPERATOR_NAMES.find((op) => op in condition);
  if (!operator) throw new Error(`no operator in condition ${JSON.stringify(condition)}`);
  const actual = resolve(condition.Variable);
  const expected = resolve(condition[operator]);
  if (actual === NO_OUTPUT || expected === NO_OUTPUT) {
    if (negated) throw new Error(`a choice under Not reads an output its step did not produce; what Automation does then is not documented`);
    return false;
  }
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (operator) {
    case 'StringEquals':
      return text(actual) === text(expected);
    case 'EqualsIgnoreCase':
      return text(actual).toLowerCase() === text(expected).toLowerCase();
    case 'StartsWith':
      return text(actual).startsWith(text(expected));
    case 'EndsWith':
      return text(actual).endsWith(text(expected));
    case 'Contains':
      return Array.isArray(actual) ? actual.map(text).includes(text(expected)) : text(actual).includes(text(expected));
    case 'BooleanEquals':
      return asBoolean(actual) === asBoolean(expected);
    default: {
      const a = Number(actual);
      const b = Number(expected);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
      if (operator === 'NumericEquals') return a === b;
      if (operator === 'NumericGreater') return a > b;
      if (operator === 'NumericLesser') return a < b;
      if (operator === 'NumericGreaterOrEquals') return a >= b;
      return a <= b;
    }
  }
}
