// Pure: CloudWatch Logs JSON metric filter patterns ("{ $.status = 504 }"), which moto 5.2.1 stores but never applies.
// Supports what the sandbox's filters use: selectors $.a.b, comparisons = != > < >= <= against numbers or strings
// (quoted, or bare with * wildcards), joined by && or || (no parentheses). Anything else is refused, not guessed.

type Comparison = { selector: string[]; op: '=' | '!=' | '>' | '<' | '>=' | '<='; value: number | string };

export interface JsonFilter {
  /** Alternatives (||) of conjunctions (&&). */
  any: Comparison[][];
}

const COMPARISON = /^\$((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)\s*(=|!=|>=|<=|>|<)\s*(.+)$/;

/** Parses a JSON filter pattern; undefined for any pattern this subset does not cover (text patterns included). */
export function parseJsonFilterPattern(pattern: string): JsonFilter | undefined {
  const trimmed = pattern.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  const inner = trimmed.slice(1, -1).trim();
  if (inner.includes('(') || inner.includes(')')) return undefined;
  const any: Comparison[][] = [];
  for (const alternative of inner.split('||')) {
    const all: Comparison[] = [];
    for (const part of alternative.split('&&')) {
      const match = COMPARISON.exec(part.trim());
      if (!match) return undefined;
      const [, path = '', op = '=', raw = ''] = match;
      const text = raw.trim();
      const quoted = /^"(.*)"$/.exec(text);
      const value: number | string = quoted ? (quoted[1] ?? '') : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
      if (typeof value === 'string' && op !== '=' && op !== '!=') return undefined;
      all.push({ selector: path.slice(1).split('.'), op: op as Comparison['op'], value });
    }
    any.push(all);
  }
  return { any };
}

function select(event: unknown, selector: readonly string[]): unknown {
  let current = event;
  for (const key of selector) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function compare(actual: unknown, { op, value }: Comparison): boolean {
  if (actual === undefined) return false;
  if (typeof value === 'number') {
    const n = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    if (Number.isNaN(n)) return op === '!=';
    return { '=': n === value, '!=': n !== value, '>': n > value, '<': n < value, '>=': n >= value, '<=': n <= value }[op];
  }
  const text = String(actual);
  const regex = new RegExp(`^${value.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return op === '=' ? regex.test(text) : !regex.test(text);
}

/** True when the log message is a JSON object the filter matches. */
export function matchesJsonFilter(filter: JsonFilter, message: string): boolean {
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    return false;
  }
  if (typeof event !== 'object' || event === null) return false;
  return filter.any.some((all) => all.every((c) => compare(select(event, c.selector), c)));
}

/** A metric transformation's dimension values for one event ("$.apiName" -> the field's value); undefined when one is missing. */
export function dimensionValues(dimensions: Record<string, string> | undefined, message: string): Record<string, string> | undefined {
  if (!dimensions) return {};
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [name, selector] of Object.entries(dimensions)) {
    if (!selector.startsWith('$.')) return undefined;
    const value = select(event, selector.slice(2).split('.'));
    if (value === undefined || value === null) return undefined;
    out[name] = String(value);
  }
  return out;
}
