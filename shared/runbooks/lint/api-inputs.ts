// The inputs of aws:executeAwsApi / aws:waitForAwsResourceProperty / aws:assertAwsResourceProperty against the
// operation's input shape in the installed SDK's model, and their selectors against its output shape. Pure.
//
// Automation passes the step's inputs (all but Service, Api and the property actions' own) to the API as its request;
// a member the operation does not have, a required member left out, or a list where one value is expected fails the
// step at run time. Only the kind of a value (one value, a list, a map) is compared, not string vs number: the model's
// scalar types and Automation's conversions are not checked here.
import type { PathSegment, RunbookModel } from '../document';
import type { OperationModel, Shape } from '../sdk-model';
import { placeholderKind, wholePlaceholder, type ValueKind } from './placeholders';
import { editDistance } from '../edit-distance';

export interface ApiProblem {
  /** Path below the step's inputs (for an input), or undefined for the step as a whole. */
  path: PathSegment[];
  message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function render(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${s}`)).join('');
}

/** Up to three member names close to `name`: same letters in another case, a few edits away, or one containing the other. */
function closeNames(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const exact = candidates.filter((c) => c.toLowerCase() === lower);
  if (exact.length) return exact;
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => {
      const other = candidate.toLowerCase();
      return distance <= Math.max(2, Math.floor(name.length / 5)) || (lower.length >= 4 && (other.startsWith(lower) || other.endsWith(lower) || lower.startsWith(other)));
    })
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

const KIND_WORDS: Record<ValueKind, string> = { scalar: 'a single value', list: 'a list', map: 'a map' };

function expectedKind(shape: Shape): ValueKind | undefined {
  switch (shape.kind) {
    case 'list':
      return 'list';
    case 'structure':
    case 'map':
      return 'map';
    case 'document':
    case 'unknown':
      return undefined;
    default:
      return 'scalar';
  }
}

function describeShape(shape: Shape): string {
  const element = shape.element();
  if (shape.kind === 'list') return `a list${element ? ` of ${element.kind === 'structure' ? `${element.name ?? 'structure'}s` : `${element.kind}s`}` : ''}`;
  if (shape.kind === 'map') return `a map${element ? ` of ${element.kind} values` : ''}`;
  if (shape.kind === 'structure') return `a map (${shape.name ?? 'structure'}: ${shape.memberNames().join(', ')})`;
  return `a single ${shape.kind} value`;
}

class InputChecker {
  readonly problems: ApiProblem[] = [];
  constructor(
    private readonly model: RunbookModel,
    private readonly label: string,
  ) {}

  /** The members of a structure given as a map: unknown names, missing required ones, then each value. */
  structure(value: Record<string, unknown>, shape: Shape, path: PathSegment[], ignore: readonly string[] = []): void {
    const members = shape.memberNames();
    const where = path.length === 0 ? `${this.label} input` : `${render(path)} (${shape.name ?? 'structure'})`;
    for (const [key, item] of Object.entries(value)) {
      if (ignore.includes(key) || key.includes('{{')) continue;
      const member = shape.member(key);
      if (!member) {
        const near = closeNames(key, members);
        this.problems.push({
          path: [...path, key],
          message: `${render([...path, key])}: ${where} has no member ${key}${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; valid members: ${members.join(', ')}`,
        });
        continue;
      }
      this.value(item, member, [...path, key]);
    }
    const missing = shape.required().filter((name) => !(name in value));
    if (missing.length) {
      this.problems.push({
        path,
        message: `${path.length === 0 ? '' : `${render(path)}: `}${where} needs ${missing.length === 1 ? 'member' : 'members'} ${missing.join(', ')} (required); valid members: ${members.join(', ')}`,
      });
    }
  }

  value(value: unknown, shape: Shape, path: PathSegment[]): void {
    const expected = expectedKind(shape);
    if (expected === undefined) return;
    const expression = wholePlaceholder(value);
    const given: ValueKind | undefined =
      expression !== undefined ? placeholderKind(expression, this.model) : Array.isArray(value) ? 'list' : isRecord(value) ? 'map' : value === null ? undefined : 'scalar';
    if (given === undefined) return;
    if (given !== expected) {
      const source = expression !== undefined ? ` ({{ ${expression} }} is declared ${given === 'scalar' ? 'a single value' : `a ${given}`})` : '';
      this.problems.push({ path, message: `${render(path)}: must be ${describeShape(shape)}, got ${KIND_WORDS[given]}${source}` });
      return;
    }
    if (expression !== undefined) return;
    if (Array.isArray(value)) {
      const element = shape.element();
      // A list placeholder as an item is spliced into the list: its items are the list's items.
      if (element) value.forEach((item, i) => (wholePlaceholder(item) !== undefined && placeholderKind(wholePlaceholder(item) ?? '', this.model) === 'list' ? undefined : this.value(item, element, [...path, i])));
    } else if (isRecord(value)) {
      if (shape.kind === 'structure') this.structure(value, shape, path);
      else {
        const element = shape.element();
        if (element) for (const [key, item] of Object.entries(value)) this.value(item, element, [...path, key]);
      }
    }
  }
}

/** Problems of a step's API inputs against the operation's input shape. `ignore`: the action's own inputs. */
export function apiInputProblems(operation: OperationModel, inputs: Record<string, unknown>, model: RunbookModel, ignore: readonly string[], label: string): ApiProblem[] {
  const checker = new InputChecker(model, label);
  checker.structure(inputs, operation.input, [], ignore);
  return checker.problems;
}

type Token = { kind: 'name'; name: string } | { kind: 'index' } | { kind: 'stop' };

/** `$.A[0].B['C'][*]` as tokens; anything this does not understand (`..`, filters, functions) ends the walk. */
function tokens(selector: string): Token[] | undefined {
  const text = selector.trim();
  if (!text.startsWith('$')) return undefined;
  const out: Token[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if (rest.startsWith('..')) return [...out, { kind: 'stop' }];
    if ((match = /^\.([A-Za-z_][A-Za-z0-9_-]*)(?![A-Za-z0-9_(-])/.exec(rest))) out.push({ kind: 'name', name: match[1] ?? '' });
    else if ((match = /^\[\s*'([^']+)'\s*\]/.exec(rest)) || (match = /^\[\s*"([^"]+)"\s*\]/.exec(rest))) out.push({ kind: 'name', name: match[1] ?? '' });
    else if ((match = /^\[\s*(?:-?\d+|\*)\s*\]/.exec(rest)) || (match = /^\.\*/.exec(rest))) out.push({ kind: 'index' });
    else return [...out, { kind: 'stop' }];
    rest = rest.slice(match[0].length);
  }
  return out;
}

/** A problem of a JSONPath selector against the operation's output shape, or undefined when it resolves or cannot be followed. */
export function selectorProblem(selector: string, operation: OperationModel): string | undefined {
  const parsed = tokens(selector);
  if (!parsed) return undefined;
  let shape: Shape | undefined = operation.output;
  let walked = '$';
  for (const [i, token] of parsed.entries()) {
    if (token.kind === 'stop' || !shape) return undefined;
    // boto3 adds ResponseMetadata to every response; it is not in the model.
    if (i === 0 && token.kind === 'name' && token.name === 'ResponseMetadata') return undefined;
    if (token.kind === 'name') {
      if (shape.kind === 'map') shape = shape.element();
      else if (shape.kind === 'structure') {
        const member = shape.member(token.name);
        if (!member) {
          const members = shape.memberNames();
          const near = closeNames(token.name, members);
          return `${walked} is ${shape.name ?? 'a structure'}, which has no member ${token.name}${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; its members: ${members.join(', ') || 'none'}`;
        }
        shape = member;
      } else if (shape.kind === 'list' || shape.kind === 'document' || shape.kind === 'unknown') {
        return undefined;
      } else {
        return `${walked} is a single ${shape.kind} value; it has no member ${token.name}`;
      }
      walked += `.${token.name}`;
    } else {
      if (shape.kind === 'list' || shape.kind === 'map') shape = shape.element();
      else if (shape.kind === 'document' || shape.kind === 'unknown' || shape.kind === 'structure') return undefined;
      else return `${walked} is a single ${shape.kind} value, not a list`;
      walked += '[]';
    }
  }
  return undefined;
}
