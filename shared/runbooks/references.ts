// The {{ ... }} references of an Automation document: where they are and what they name (parameter, step output, system variable).
import type { PathSegment } from './document';

/** System and automation variables AWS substitutes (Automation user guide, "Automation system variables"). */
export const SYSTEM_VARIABLES: readonly string[] = [
  'global:ACCOUNT_ID',
  'global:DATE',
  'global:DATE_TIME',
  'global:AWS_PARTITION',
  'global:REGION',
  'automation:EXECUTION_ID',
  // Older AWS-authored runbooks use this spelling; Automation still substitutes it.
  'automation:AUTOMATION_EXECUTION_ID',
];

export type ReferenceTarget =
  | { kind: 'system'; name: string }
  /** {{ ssm:/path/name }}: a Parameter Store value, resolved by Automation at run time. */
  | { kind: 'parameter-store'; name: string }
  /** {{ variable:Name }}: a document variable set by aws:updateVariable. */
  | { kind: 'variable'; name: string }
  | { kind: 'parameter'; name: string }
  | { kind: 'step-output'; step: string; output: string };

export interface Reference {
  /** The text between the braces, trimmed. */
  expression: string;
  target: ReferenceTarget;
  /** Where in the document the reference sits. */
  path: PathSegment[];
  /** The whole value is this one reference (so Automation substitutes the typed value, not text). */
  whole: boolean;
}

// Names: parameters and steps are word characters (hyphens too in some AWS documents); Parameter Store paths have slashes.
const REFERENCE = /\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}/g;

export function classifyReference(expression: string): ReferenceTarget {
  const lower = expression.toLowerCase();
  if (lower.startsWith('ssm:')) return { kind: 'parameter-store', name: expression.slice(4) };
  if (lower.startsWith('variable:')) return { kind: 'variable', name: expression.slice('variable:'.length) };
  if (lower.startsWith('global:') || lower.startsWith('automation:')) return { kind: 'system', name: expression };
  const dot = expression.indexOf('.');
  if (dot > 0) return { kind: 'step-output', step: expression.slice(0, dot), output: expression.slice(dot + 1) };
  return { kind: 'parameter', name: expression };
}

/** References inside one string. */
export function referencesInString(text: string, path: PathSegment[] = []): Reference[] {
  const found: Reference[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const expression = match[1] ?? '';
    found.push({ expression, target: classifyReference(expression), path, whole: match[0] === text.trim() });
  }
  return found;
}

/** References anywhere inside a value (strings, keys of maps included: `tag:{{ Key }}` style keys exist). */
export function referencesIn(value: unknown, path: PathSegment[] = []): Reference[] {
  if (typeof value === 'string') return referencesInString(value, path);
  if (Array.isArray(value)) return value.flatMap((item, i) => referencesIn(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [...referencesInString(key, [...path, key]), ...referencesIn(item, [...path, key])]);
  }
  return [];
}
