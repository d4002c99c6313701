// The linter's document-size and update-variable-length rules (review 21a, R21-1, R21-6; decision 347): SSM refuses a
// document over 64 KB, runtime parameters included, and an aws:updateVariable Value over 512 characters fails its step.
import { parseRunbook } from '../../../shared/runbooks/document';
import { patternMaxLength } from '../../../shared/runbooks/lint/document-limits';
import { lintRunbook } from '../../../shared/runbooks/lint/lint-runbook';

const doc = (steps: string, parameters = '', description = 'd') => `schemaVersion: '0.3'
description: ${description}
assumeRole: '{{ AutomationAssumeRole }}'
parameters:
  AutomationAssumeRole:
    type: String
    description: r
    allowedPattern: '^arn:aws:iam::\\d{12}:role/[\\w+=,.@-]{1,64}$'
${parameters}mainSteps:
${steps}`;
const rules = (text: string, rule: string) => lintRunbook(parseRunbook('doc.yaml', text)).filter((f) => f.rule === rule).map((f) => `${f.severity}: ${f.message}`);

describe('document-size', () => {
  const sleep = "  - name: wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1S\n";
  it.each([
    ['60,000 bytes of description: within the budget', 60_000, []],
    ['62,000: over the budget that leaves room for runtime parameters, a warning', 62_000, [/^warning: the document is 62\d{3} bytes as deployed .*over the 61440/]],
    ['65,200: with its parameters at their longest over SSM\'s 65,536, an error', 65_200, [/^error: the document is 65\d{3} bytes as deployed .* its parameters take up to 95 at run time: over SSM's 65536/]],
    ['70,000: over SSM\'s 65,536 (MaxDocumentSizeExceeded), an error', 70_000, [/^error: the document is 70\d{3} bytes .*CreateDocument refuses it \(MaxDocumentSizeExceeded\)$/]],
  ])('%s', (_case, length, expected) => {
    const found = rules(doc(sleep, '', 'x'.repeat(length)), 'document-size');
    expect(found).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
  });
});

describe('update-variable-length', () => {
  const update = (value: string) => `  - name: note\n    action: aws:updateVariable\n    inputs:\n      Name: variable:Note\n      Value: '${value}'\n`;
  const variables = 'variables:\n  Note:\n    type: String\n    default: none\n';
  const params = `  Name:\n    type: String\n    description: n\n    allowedPattern: '^(?=.{4,254}$)([a-z0-9-]{1,63}\\.)+[a-z]{2,63}\\.$'\n  Free:\n    type: String\n    description: f\n    allowedPattern: '^[a-z]+$'\n`;
  it.each([
    ['text and a bounded parameter within 512: nothing', `${'x'.repeat(250)} {{ Name }}`, []],
    ['text and a bounded parameter over 512: an error naming the figures', `${'x'.repeat(260)} {{ Name }} in {{ global:REGION }}`, [/^error: inputs.Value can be 539 characters \(265 of text \+ Name 254 \+ global:REGION 20\), over aws:updateVariable's 512/]],
    ['a parameter of no bounded length: a warning', 'x {{ Free }}', [/^warning: inputs.Value names \{\{ Free \}\}, of no bounded length/]],
  ])('%s', (_case, value, expected) => {
    const found = rules(doc(update(value), params).replace('mainSteps:', `${variables}mainSteps:`), 'update-variable-length');
    expect(found).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
  });

  it.each([
    ['^[a-z]{2}(-gov)?-[a-z]{1,10}-\\d$', 19],
    ['^(?=.{4,254}$)([a-z0-9-]{1,63}\\.)+[a-z]{2,63}\\.$', 254],
    ['^[A-Z0-9]{1,32}$', 32],
    ['^[a-z]{2}(-gov)?-[a-z]+-\\d$', undefined],
    ['^(?:abc|de)f?$', 4],
  ])('reads the longest text %s admits: %s', (pattern, max) => {
    expect(patternMaxLength(pattern)).toBe(max);
  });
});
