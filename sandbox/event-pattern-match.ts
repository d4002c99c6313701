// Pure: does an EventBridge event pattern match an event? What events:TestEventPattern answers (moto 5.2.1 answers nothing).
//
// Covers EventBridge's content filters (EventBridge User Guide, "Content filtering in Amazon EventBridge event
// patterns"): exact values, prefix, suffix, equals-ignore-case, anything-but (values or a prefix), exists, numeric.
// Anything else is an InvalidEventPattern error naming it, never a guess.

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function numericHolds(conditions: unknown[], value: unknown): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = conditions[i + 1];
    if (typeof bound !== 'number') throw new InvalidEventPatternError('numeric bounds must be numbers');
    const ok = op === '=' ? value === bound : op === '<' ? value < bound : op === '<=' ? value <= bound : op === '>' ? value > bound : op === '>=' ? value >= bound : undefined;
    if (ok === undefined) throw new InvalidEventPatternError(`unknown numeric operator ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}

/** One element of a pattern's value list against one scalar of the event. */
function elementMatches(element: unknown, value: unknown): boolean {
  if (!isObject(element)) return element === value;
  const [filter, ...rest] = Object.keys(element);
  if (filter === undefined || rest.length > 0) throw new InvalidEventPatternError(`a content filter has exactly one key, got ${JSON.stringify(element)}`);
  const arg = element[filter];
  switch (filter) {
    case 'prefix':
      return typeof value === 'string' && typeof arg === 'string' && value.startsWith(arg);
    case 'suffix':
      return typeof value === 'string' && typeof arg === 'string' && value.endsWith(arg);
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof arg === 'string' && value.toLowerCase() === arg.toLowerCase();
    case 'numeric':
      if (!Array.isArray(arg)) throw new InvalidEventPatternError('numeric takes a list');
      return numericHolds(arg, value);
    case 'anything-but':
      if (value === undefined) return false;
      if (isObject(arg)) return !elementMatches(arg, value);
      return !(Array.isArray(arg) ? arg : [arg]).some((v) => v === value);
    default:
      throw new InvalidEventPatternError(`the content filter "${filter}" is not supported by the sandbox`);
  }
}

/** A leaf: the pattern's list of values against the event's value (a list in the event matches if any element does). */
function leafMatches(list: unknown[], value: unknown, present: boolean): boolean {
  return list.some((element) => {
    if (isObject(element) && 'exists' in element) return element.exists === present;
    if (!present) return false;
    if (Array.isArray(value)) return value.some((v) => elementMatches(element, v));
    return elementMatches(element, value);
  });
}

export function eventPatternMatches(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new InvalidEventPatternError('an event pattern is a JSON object');
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([key, sub]) => {
    const present = Object.prototype.hasOwnProperty.call(event, key);
    const value = (event as Record<string, Json>)[key];
    if (Array.isArray(sub)) return leafMatches(sub, value, present);
    if (isObject(sub)) return present && eventPatternMatches(sub, value);
    throw new InvalidEventPatternError(`the value of "${key}" must be a list or an object`);
  });
}
