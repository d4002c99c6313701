// Infra test support: whether an SNS subscription's filter policy (scope MessageAttributes) accepts a message with the
// given message attributes, as the SNS Developer Guide documents it ("Amazon SNS subscription filter policies": every
// property name of the policy must match a message attribute, and one of its values the attribute's value; "Key
// matching": `"exists": false` only matches when at least one attribute is present). Only the operators this project's
// templates could use are known; any other throws, so a new one cannot pass unjudged.

type Rule = string | number | { exists?: boolean; prefix?: string; 'anything-but'?: string | string[] };

function ruleAccepts(rule: Rule, value: string | undefined, attributeCount: number): boolean {
  if (typeof rule === 'string') return value === rule;
  if (typeof rule === 'number') return value !== undefined && Number(value) === rule;
  const keys = Object.keys(rule);
  if (keys.length !== 1) throw new Error(`filter rule ${JSON.stringify(rule)}: not an operator this evaluator knows`);
  if (rule.exists !== undefined) return rule.exists ? value !== undefined : value === undefined && attributeCount > 0;
  if (rule.prefix !== undefined) return value !== undefined && value.startsWith(rule.prefix);
  if (rule['anything-but'] !== undefined) {
    const excluded = Array.isArray(rule['anything-but']) ? rule['anything-but'] : [rule['anything-but']];
    return value !== undefined && !excluded.includes(value);
  }
  throw new Error(`filter rule ${JSON.stringify(rule)}: not an operator this evaluator knows`);
}

/**
 * True when SNS delivers a message with `attributes` (name -> String value) to a subscription with `filterPolicy`
 * (undefined: no filter, every message) in scope `scope` (default MessageAttributes).
 */
export function filterAccepts(filterPolicy: unknown, attributes: Readonly<Record<string, string>>, scope: unknown = 'MessageAttributes'): boolean {
  if (filterPolicy === undefined || filterPolicy === null) return true;
  if (scope !== 'MessageAttributes') throw new Error(`filter policy scope ${String(scope)}: this evaluator judges MessageAttributes only`);
  if (typeof filterPolicy !== 'object' || Array.isArray(filterPolicy)) throw new Error(`filter policy ${JSON.stringify(filterPolicy)} is not an object`);
  const count = Object.keys(attributes).length;
  return Object.entries(filterPolicy as Record<string, unknown>).every(([name, rules]) => {
    if (!Array.isArray(rules)) throw new Error(`filter policy property ${name}: nested policies are not judged here`);
    return (rules as Rule[]).some((rule) => ruleAccepts(rule, attributes[name], count));
  });
}
