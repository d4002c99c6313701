// Pure: the max_connections an RDS instance runs with, from its parameter group's value or the engine's default formula.
import { dbInstanceClassMemoryBytes, instanceClassMemoryGiB } from './instance-class-memory';

/**
 * Engine defaults of max_connections (RDS User Guide, "Maximum number of database connections"):
 * PostgreSQL LEAST({DBInstanceClassMemory/9531392},5000), MySQL and MariaDB {DBInstanceClassMemory/12582880}.
 */
export const ENGINE_DEFAULT_MAX_CONNECTIONS: Readonly<Record<string, string>> = {
  postgres: 'LEAST({DBInstanceClassMemory/9531392},5000)',
  mysql: '{DBInstanceClassMemory/12582880}',
  mariadb: '{DBInstanceClassMemory/12582880}',
};

export interface MaxConnectionsInput {
  /** DescribeDBInstances Engine: postgres, mysql, mariadb... */
  engine: string;
  instanceClass: string;
  /** The parameter group's max_connections ParameterValue; undefined when the group leaves it to the engine. */
  parameterValue?: string;
}

export interface EffectiveMaxConnections {
  /** Undefined when it cannot be worked out (unknown class or engine, an expression we do not evaluate). */
  value?: number;
  source: 'parameter-group' | 'engine-default';
  expression?: string;
  /** True when the value rests on DBInstanceClassMemory, which is an estimate (see instance-class-memory.ts). */
  estimated: boolean;
  classMemoryGiB?: number;
  dbInstanceClassMemoryBytes?: number;
  /** One line saying where the value comes from, or why there is none. */
  explanation: string;
}

class UnsupportedExpression extends Error {}

/**
 * Evaluates the RDS parameter expression language ("Specifying DB parameters"): integers, formulas in braces over
 * formula variables with * and / (integer arithmetic, truncated), and the GREATEST / LEAST / SUM functions.
 */
function evaluate(expression: string, variables: Readonly<Record<string, number | undefined>>): number {
  const text = expression.replace(/\s+/g, '');
  let at = 0;
  const fail = (why: string): never => {
    throw new UnsupportedExpression(`${why} at position ${at} of "${expression}"`);
  };
  const integer = (): number => {
    const match = /^\d+/.exec(text.slice(at));
    if (!match) return fail('expected an integer');
    at += match[0].length;
    return Number(match[0]);
  };
  const operand = (): number => {
    const match = /^[A-Za-z]+/.exec(text.slice(at));
    if (!match) return integer();
    at += match[0].length;
    const value = variables[match[0]];
    if (value === undefined) return fail(`formula variable ${match[0]} is not known here`);
    return value;
  };
  const formula = (): number => {
    at += 1; // {
    let value = operand();
    while (text[at] === '*' || text[at] === '/') {
      const operator = text[at];
      at += 1;
      const right = operand();
      if (operator === '/' && right === 0) fail('division by zero');
      value = Math.trunc(operator === '*' ? value * right : value / right);
    }
    if (text[at] !== '}') fail('expected }');
    at += 1;
    return value;
  };
  const term = (): number => {
    if (text[at] === '{') return formula();
    const name = /^(GREATEST|LEAST|SUM)\(/i.exec(text.slice(at));
    if (name?.[1]) {
      at += name[0].length;
      const args = [term()];
      while (text[at] === ',') {
        at += 1;
        args.push(term());
      }
      if (text[at] !== ')') fail('expected )');
      at += 1;
      const fn = name[1].toUpperCase();
      return fn === 'GREATEST' ? Math.max(...args) : fn === 'LEAST' ? Math.min(...args) : args.reduce((a, b) => a + b, 0);
    }
    return integer();
  };
  const value = term();
  if (at !== text.length) fail('unexpected text');
  return value;
}

const formatGiB = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * The answer per engine, instance class and parameter value, once per container: every decision on the same database
 * parsed the same formula again (decision 279). Frozen (nothing changes an answer), length-prefixed keys (no two inputs
 * share one), emptied at 256 inputs so values from outside cannot grow it without limit.
 */
const ANSWERED = new Map<string, Readonly<EffectiveMaxConnections>>();
const MAX_ANSWERED = 256;

/** How many inputs the cache holds now (never more than its bound, 256): for the test of that bound. */
export function answeredMaxConnectionsCount(): number {
  return ANSWERED.size;
}

export function effectiveMaxConnections(input: MaxConnectionsInput): Readonly<EffectiveMaxConnections> {
  const { engine, instanceClass, parameterValue } = input;
  const key = `${engine.length}:${engine}${instanceClass.length}:${instanceClass}${parameterValue === undefined ? '-' : `${parameterValue.length}:${parameterValue}`}`;
  const known = ANSWERED.get(key);
  if (known) return known;
  const answer = Object.freeze(maxConnectionsOf({ engine, instanceClass, ...(parameterValue !== undefined ? { parameterValue } : {}) }));
  if (ANSWERED.size >= MAX_ANSWERED) ANSWERED.clear();
  ANSWERED.set(key, answer);
  return answer;
}

function maxConnectionsOf(input: MaxConnectionsInput): EffectiveMaxConnections {
  const fromGroup = input.parameterValue !== undefined && input.parameterValue.trim() !== '';
  const source = fromGroup ? 'parameter-group' : 'engine-default';
  const expression = fromGroup ? input.parameterValue?.trim() : ENGINE_DEFAULT_MAX_CONNECTIONS[input.engine.toLowerCase()];
  if (expression === undefined) {
    return { source, estimated: false, explanation: `no max_connections in the parameter group and no known default for engine ${input.engine}` };
  }
  const usesMemory = expression.includes('DBInstanceClassMemory');
  const classMemoryGiB = instanceClassMemoryGiB(input.instanceClass);
  const memoryBytes = classMemoryGiB !== undefined ? dbInstanceClassMemoryBytes(classMemoryGiB) : undefined;
  const memoryFields = usesMemory && classMemoryGiB !== undefined && memoryBytes !== undefined ? { classMemoryGiB, dbInstanceClassMemoryBytes: memoryBytes } : {};
  const origin = fromGroup ? `parameter group value ${expression}` : `engine default ${expression}`;
  if (usesMemory && memoryBytes === undefined) {
    return { source, expression, estimated: false, explanation: `${origin}: memory of ${input.instanceClass} is not in the instance class table` };
  }
  try {
    const value = evaluate(expression, { DBInstanceClassMemory: memoryBytes });
    return {
      value,
      source,
      expression,
      estimated: usesMemory,
      ...memoryFields,
      explanation: usesMemory
        ? `${origin} with DBInstanceClassMemory ≈ ${formatGiB(memoryBytes ?? 0)} (${input.instanceClass}: ${classMemoryGiB} GiB less RDS's reservation) = ≈${value}`
        : `${origin}`,
    };
  } catch (error) {
    if (!(error instanceof UnsupportedExpression)) throw error;
    return { source, expression, estimated: false, ...memoryFields, explanation: `${origin}: not evaluated (${error.message})` };
  }
}
