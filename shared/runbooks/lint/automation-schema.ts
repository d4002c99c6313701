// The JSON Schema the linter validates structure with: AWS's own schema (aws-automation-schema.json) plus the fixes below.
//
// aws-automation-schema.json is a verbatim copy of dist/schema.json from the npm package
// aws-ssm-document-language-service 1.0.0 (github.com/aws/amazon-ssm-document-language-service, Apache-2.0). It is
// partial and dated: each fix below names what AWS accepts that the schema refused (a false positive on AWS's own
// documents) or what it failed to check. Action-specific required inputs are checked by lint-runbook.ts (clearer
// messages), so the per-action `required` lists are removed here rather than reported twice.
import Ajv, { type ValidateFunction } from 'ajv';
import awsSchema from './aws-automation-schema.json';

type Schema = Record<string, unknown>;

const isRecord = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

function child(schema: Schema, ...keys: string[]): Schema {
  let node: unknown = schema;
  for (const key of keys) {
    if (!isRecord(node) || !isRecord(node[key])) throw new Error(`automation schema: no ${keys.join('.')}`);
    node = node[key];
  }
  return node as Schema;
}

const STEP_NAME = '[A-Za-z0-9_-]+';
const REFERENCE = '^\\{\\{ ?[A-Za-z0-9_.:-]+ ?\\}\\}$';

/** A condition of aws:branch / aws:loop, loosely: operators and their operands are checked by lint-runbook.ts. */
const choiceSchema: Schema = {
  type: 'object',
  description: 'A choice: a condition (Variable + operator, or And / Or / Not) and the NextStep to jump to when it is true.',
  required: ['NextStep'],
  properties: { NextStep: { type: 'string' } },
};

const newActions: Record<string, Schema> = {
  // aws:loop (2023): for-each over Iterators or do-while on LoopCondition, at most 100 iterations.
  'aws:loop': {
    properties: {
      Iterators: { type: ['string', 'array'] },
      IteratorDataType: { type: 'string', enum: ['Boolean', 'Integer', 'String', 'StringMap'] },
      LoopCondition: { type: 'object' },
      MaxIterations: { type: ['integer', 'string'] },
      Steps: { type: 'array', items: { type: 'object' } },
    },
  },
  // aws:updateVariable (2024): sets a document variable, read back as {{ variable:Name }}.
  'aws:updateVariable': { properties: { Name: { type: 'string' }, Value: {} } },
  // aws:invokeWebhook: calls an Automation integration.
  'aws:invokeWebhook': { properties: { IntegrationName: { type: 'string' }, Body: { type: 'string' } } },
};

/** Applies every fix to a copy of AWS's schema. */
export function fixedAutomationSchema(): Schema {
  const schema = structuredClone(awsSchema) as Schema;
  const topLevel = child(schema, 'properties');
  const step = child(topLevel, 'mainSteps', 'items');
  const stepProperties = child(step, 'properties');

  // Unknown actions get a message naming the known ones from lint-runbook.ts; the 2023 enum also lacks aws:loop,
  // aws:updateVariable and aws:invokeWebhook, which AWS accepts.
  delete child(stepProperties, 'action').enum;

  // onCancel (Abort | step:NAME) is a shared step property AWS-authored runbooks use; additionalProperties: false refused it.
  stepProperties.onCancel = { type: 'string', pattern: `^(Abort|step:${STEP_NAME})$`, description: 'Where to go when the automation is cancelled during this step.' };
  // The 2023 pattern "((^|, )(Abort|Continue|step:\\w+))$" accepted "xAbort"; the documented values are exactly these.
  stepProperties.onFailure = { type: 'string', pattern: `^(Abort|Continue|step:${STEP_NAME})$`, default: 'Abort' };
  // AWS accepts a string here too (e.g. a {{ parameter }}), as for timeoutSeconds.
  child(stepProperties, 'maxAttempts').type = ['integer', 'string'];
  // A declared output needs all three fields, and nothing else.
  const outputItem = child(stepProperties, 'outputs', 'items');
  outputItem.required = ['Name', 'Selector', 'Type'];
  outputItem.additionalProperties = false;

  const conditionals = step.allOf as Array<{ if: Schema; then: Schema }>;
  for (const conditional of conditionals) {
    const action = child(conditional.if, 'properties', 'action');
    // Typo in AWS's schema: the action is aws:waitForAwsResourceProperty, so its inputs were never checked.
    if (action.const === 'aws:waitForAwsResourceProperties') action.const = 'aws:waitForAwsResourceProperty';
    const inputs = isRecord(conditional.then.properties) && isRecord(conditional.then.properties.inputs) ? conditional.then.properties.inputs : undefined;
    if (!inputs) continue;
    delete inputs.required;
    const props = isRecord(inputs.properties) ? inputs.properties : undefined;
    switch (action.const) {
      case 'aws:branch':
        // AWS's Choices schema wraps conditions in a "branchConditional" key no document uses, and as a tuple
        // ("items": [..]) it only looked at the first choice.
        if (props) props.Choices = { type: 'array', minItems: 1, items: choiceSchema };
        break;
      case 'aws:executeScript':
        // The enum stops at python3.7; AWS added python3.8-3.11 and PowerShell 7.x. Retired and unknown runtimes
        // are warnings from lint-runbook.ts, never schema errors.
        if (props && isRecord(props.Runtime)) props.Runtime = { type: 'string', description: props.Runtime.description };
        if (props) props.InputPayload = { type: ['string', 'object'] };
        break;
      case 'aws:invokeLambdaFunction':
        // InputPayload (a map) is the documented, preferred input; Payload is a JSON string, but YAML documents in
        // the field give it as a map too.
        if (props) {
          props.InputPayload = { type: ['object', 'string'], description: 'A YAML or JSON object passed to the function as its event.' };
          props.Payload = { type: ['string', 'object'] };
        }
        break;
      default:
        break;
    }
  }
  for (const [name, then] of Object.entries(newActions)) {
    conditionals.push({ if: { properties: { action: { const: name } } }, then: { properties: { inputs: then } } });
  }

  fixParameters(child(topLevel, 'parameters', 'patternProperties', '^.*$'));
  fixReferencePatterns(schema);

  // Document variables (aws:updateVariable), a 2024 top-level section.
  topLevel.variables = {
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string' }, default: {}, description: { type: 'string' } },
      additionalProperties: false,
    },
  };
  return schema;
}

function fixParameters(parameter: Schema): void {
  const properties = child(parameter, 'properties');
  // AWS-owned runbooks declare typed parameters such as "AWS::IAM::Role::Arn" and "List<AWS::EC2::Instance::Id>".
  properties.type = {
    type: 'string',
    anyOf: [
      { enum: ['String', 'StringList', 'Boolean', 'Integer', 'MapList', 'StringMap'] },
      { pattern: '^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$' },
      { pattern: '^List<AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*>$' },
    ],
  };
  // Documented for parameters: environment-variable interpolation of string values.
  properties.interpolationType = { type: 'string', enum: ['ENV_VAR'] };
  // The typed default/allowedValues rules: the 2023 schema required `items` of type object for a StringMap default
  // (it is an object) and refused a default written as a {{ ssm:... }} reference for non-string types.
  const ssmReference = { type: 'string', pattern: REFERENCE };
  parameter.allOf = [
    rule('String', { default: { type: ['string', 'number', 'boolean'] }, allowedValues: { items: { type: ['string', 'number', 'boolean'] } } }),
    rule('Boolean', { default: { anyOf: [{ type: 'boolean' }, { type: 'string', pattern: '^([Tt]rue|[Ff]alse)$' }, ssmReference] } }),
    rule('Integer', { default: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$' }, ssmReference] } }),
    rule('StringList', { default: { anyOf: [{ type: 'array', items: { type: ['string', 'number', 'boolean'] } }, ssmReference] } }),
    rule('StringMap', { default: { anyOf: [{ type: 'object' }, ssmReference] } }),
    rule('MapList', { default: { anyOf: [{ type: 'array', items: { type: 'object' } }, ssmReference] } }),
  ];
}

// AWS's "a {{ reference }} instead of a value" pattern is not a valid regular expression in Unicode mode (unescaped
// braces) and refuses references with digits, colons or hyphens ({{ global:REGION }}, {{ Step1.Output }}).
const AWS_REFERENCE_PATTERN = '^{{[ ]{0,1}[a-zA-Z_.]+[ ]{0,1}}}$';

function fixReferencePatterns(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(fixReferencePatterns);
  } else if (isRecord(node)) {
    if (node.pattern === AWS_REFERENCE_PATTERN) node.pattern = REFERENCE;
    Object.values(node).forEach(fixReferencePatterns);
  }
}

function rule(type: string, then: Schema): Schema {
  return { if: { properties: { type: { const: type } } }, then: { properties: then } };
}

let compiled: ValidateFunction | undefined;

/** The compiled validator (draft-07, all errors). */
export function automationSchemaValidator(): ValidateFunction {
  if (!compiled) {
    // strict: false because AWS's schema uses annotations ajv's strict mode rejects (e.g. tuple `items` without minItems).
    const ajv = new Ajv({ allErrors: true, strict: false });
    compiled = ajv.compile(fixedAutomationSchema());
  }
  return compiled;
}
