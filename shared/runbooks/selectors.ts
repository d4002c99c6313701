// Output Selectors and PropertySelectors held to what Automation documents of them (review 22b's open assumptions). Pure.
//
// "Using JSONPath in runbooks" (SSM User Guide, automation-action-outputs-inputs) lists the operators Automation
// supports: dot-notated child (.), deep scan (..) and array index ([ ]), nothing else. A filter ([?(...)]), a wildcard,
// a slice, a union or a bracket-notated child is not among them: what Automation's engine does with one (an error, the
// match list as text, the first match) is not documented, and no AWS-published runbook the project holds uses one
// (test/fixtures/ssm-documents/aws: every Selector of the 41 is a path of the three). And aws:invokeLambdaFunction's
// Payload output is "the JSON representation of the object returned by the Lambda function" (aws:invokeLambdaFunction,
// Output): text, into which no selection is documented. AWS's own example passes it on whole ({{ IdentifyRootVolume.Payload }},
// AWS-PatchInstanceWithRollback); a value inside it is read by an aws:executeScript that json-loads it and returns the
// value, selected there as $.Payload.<Key> (aws:executeScript's documented output).
import type { PathSegment, StepModel } from './document';

/** `$`, then dot-notated children, deep scans and array indexes only: the documented operators. */
const DOCUMENTED_PATH = /^\$(?:\.\.?[A-Za-z_][\w-]*|\[\d+\])*$/;
const PROPERTY_ACTIONS = new Set(['aws:waitForAwsResourceProperty', 'aws:assertAwsResourceProperty']);

export interface SelectorProblem {
  rule: 'selector-operator' | 'lambda-payload-selector';
  message: string;
  path: PathSegment[];
}

/** What in a selector Automation does not document, in a few words; undefined for a path of the documented operators. */
export function undocumentedOperator(selector: string): string | undefined {
  const text = selector.trim();
  if (DOCUMENTED_PATH.test(text)) return undefined;
  if (text.includes('[?(')) return 'a filter ([?(...)])';
  if (/\[\s*\(/.test(text)) return 'a script expression ([(...)])';
  if (text.includes('*')) return 'a wildcard (*)';
  if (/\[[^\]]*:[^\]]*\]/.test(text)) return 'a slice ([a:b])';
  if (/\[[^\]]*,[^\]]*\]/.test(text)) return 'a union ([a,b])';
  if (/\[\s*['"]/.test(text)) return "a bracket-notated child (['name'])";
  if (/\{\{/.test(text)) return 'a {{ reference }}';
  return 'something other than $, .name, ..name and [index]';
}

/** The step's output Selectors and its PropertySelector, with where each is. */
function selectorsOf(step: StepModel): Array<{ selector: string; what: string; path: PathSegment[]; output: boolean }> {
  const found = step.outputs.map((output, i) => ({ selector: output.selector, what: `output ${output.name}: Selector`, path: [...step.path, 'outputs', i], output: true }));
  if (PROPERTY_ACTIONS.has(step.action) && typeof step.inputs.PropertySelector === 'string') {
    found.push({ selector: step.inputs.PropertySelector, what: 'inputs.PropertySelector', path: [...step.path, 'inputs', 'PropertySelector'], output: false });
  }
  return found;
}

/** A selector of the step that uses an operator Automation does not document, or that selects into a Lambda's Payload. */
export function selectorProblems(step: StepModel): SelectorProblem[] {
  const problems: SelectorProblem[] = [];
  for (const { selector, what, path, output } of selectorsOf(step)) {
    const operator = undocumentedOperator(selector);
    if (operator !== undefined) {
      problems.push({
        rule: 'selector-operator',
        path,
        message:
          `${what} ${JSON.stringify(selector)} uses ${operator}: Automation documents only $, .name, ..name and [index] in a selector ` +
          `(SSM User Guide, "Using JSONPath in runbooks"), so what it selects there is unknown. Select by index, or read the ` +
          `response in an aws:executeScript step (boto3) that returns the value as $.Payload.<Key>`,
      });
    }
    if (output && step.action === 'aws:invokeLambdaFunction' && /^\$\s*(\.\.?|\[)\s*['"]?Payload['"]?\s*\]?\s*(\.|\[)/.test(selector.trim())) {
      problems.push({
        rule: 'lambda-payload-selector',
        path,
        message:
          `${what} ${JSON.stringify(selector)} selects inside aws:invokeLambdaFunction's Payload, which Automation documents as the JSON text ` +
          `of the function's answer (aws:invokeLambdaFunction, Output), not an object to select in: hand {{ ${step.name}.Payload }} to an ` +
          `aws:executeScript step that json-loads it and returns the value, selected there as $.Payload.<Key>`,
      });
    }
  }
  return problems;
}
