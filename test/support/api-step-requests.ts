// The request each aws:executeAwsApi / waitForAwsResourceProperty / assertAwsResourceProperty step of a rendered document
// hands boto3, its `{{ }}` references replaced by a value of their declared type (decision 367).
//
// Substitution is the rehearsal's (sandbox/rehearsal/values.ts, resolveValue: a value that is one whole reference takes
// the referenced value with its type, an Integer stays a number; a reference inside text becomes its text). The value a
// reference stands for:
// - a parameter: its last allowed value when it has allowedValues, else its default (not ''), else a sample of its type;
// - a step output or a document variable: a sample of its declared Type (an action's own outputs: their documented type);
// - a system variable: a value of its documented form (global:DATE 2026-12-07, ...).
// A String sample is an ISO 8601 instant: botocore checks text only for its kind and its minimum length, and parses text
// given to a timestamp member (verifyTraffic's StartTime is a script's String output), so that sample passes every
// String check and fails only where a String is not what boto3 takes. A reference nothing declares throws.
import { ACTIONS } from '../../shared/runbooks/actions';
import { allSteps, type ParameterModel, type RunbookModel } from '../../shared/runbooks/document';
import { classifyReference } from '../../shared/runbooks/references';
import { resolveValue } from '../../sandbox/rehearsal/values';
import type { BotocoreRequest } from '../../sandbox/rehearsal/botocore-params';

export interface StepRequest extends BotocoreRequest {
  document: string;
  step: string;
}

const STRING_SAMPLE = '2026-12-07T10:00:00Z';

const SYSTEM_VALUES: Record<string, string> = {
  'global:account_id': '123456789012',
  'global:region': 'us-east-1',
  'global:aws_partition': 'aws',
  'global:date': '2026-12-07',
  'global:date_time': '2026-12-07_10.00.00',
  'automation:execution_id': '00000000-0000-0000-0000-000000000000',
  'automation:automation_execution_id': '00000000-0000-0000-0000-000000000000',
};

// Outputs an action makes without declaring them, by their documented types (Automation actions reference).
const ACTION_OUTPUT_TYPES: Record<string, Record<string, string>> = {
  'aws:executeAwsApi': { OutputPayload: 'String' },
  'aws:invokeLambdaFunction': { Payload: 'String', StatusCode: 'Integer', FunctionError: 'String', LogResult: 'String', ExecutedVersion: 'String' },
  'aws:executeScript': { Payload: 'StringMap', OutputPayload: 'String' },
  'aws:approve': { ApprovalStatus: 'String', ApproverDecisions: 'MapList' },
};

/** A value of an SSM type. */
export function sampleOfType(type: string): unknown {
  switch (type) {
    case 'String':
      return STRING_SAMPLE;
    case 'Integer':
      return 1;
    case 'Boolean':
      return true;
    case 'StringList':
      return [STRING_SAMPLE];
    case 'StringMap':
      return { example: STRING_SAMPLE };
    case 'MapList':
      return [{ example: STRING_SAMPLE }];
    default:
      throw new Error(`no sample for type ${type}`);
  }
}

function parameterValue(parameter: ParameterModel): unknown {
  const typed = (value: unknown): unknown => (parameter.type === 'Integer' && typeof value === 'string' ? Number(value) : value);
  // botocore checks a number against the member's minimum: the last allowed value, not 0 (RaiseLambdaMemory's MemorySize
  // 0 means "no size named" and never reaches setMemory).
  if (parameter.allowedValues && parameter.allowedValues.length > 0) return typed(parameter.allowedValues.at(-1));
  if (parameter.hasDefault && parameter.default !== '' && parameter.default !== null && parameter.default !== undefined) return typed(parameter.default);
  return sampleOfType(parameter.type);
}

/** The value a reference stands for in `document`, by what declares it. */
export function declaredValue(expression: string, model: RunbookModel, document: string): unknown {
  const target = classifyReference(expression);
  const fail = (why: string): never => {
    throw new Error(`${document}: {{ ${expression} }} ${why}`);
  };
  switch (target.kind) {
    case 'system':
      return SYSTEM_VALUES[target.name.toLowerCase()] ?? fail('is not a system variable');
    case 'parameter': {
      const parameter = model.parameters[target.name];
      return parameter ? parameterValue(parameter) : fail('is not a parameter');
    }
    case 'step-output': {
      const step = allSteps(model.steps).find((s) => s.name === target.step) ?? fail('names no step');
      const type = step.outputs.find((o) => o.name === target.output)?.type ?? ACTION_OUTPUT_TYPES[step.action]?.[target.output];
      return type ? sampleOfType(type) : fail(`is no output ${step.action} makes or the step declares`);
    }
    case 'variable': {
      const variable = model.variables[target.name] ?? fail('is not a document variable');
      return sampleOfType(variable.type);
    }
    case 'parameter-store':
      return fail('is a Parameter Store value: no declared type');
  }
}

// What the property actions keep for themselves: Automation compares them, boto3 never sees them.
const NOT_SENT = ['Service', 'Api', 'PropertySelector', 'DesiredValues'];

/** Every API step's request in a document's model, references replaced by values of their declared types. */
export function stepRequests(document: string, model: RunbookModel): StepRequest[] {
  return allSteps(model.steps)
    .filter((step) => ACTIONS[step.action]?.callsApi === true)
    .map((step) => {
      const inputs = resolveValue(step.inputs, (expression) => declaredValue(expression, model, document)) as Record<string, unknown>;
      const params = Object.fromEntries(Object.entries(inputs).filter(([key]) => !NOT_SENT.includes(key)));
      return { document, step: step.name, service: String(inputs.Service), api: String(inputs.Api), params };
    });
}
