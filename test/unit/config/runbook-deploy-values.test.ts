// Deploy-time values and their rendering: a whole token as a map's key (decision 120), and the High Latency alarm's API
// dimension that NotificationService-CheckDbConnections is rendered with, per API type (decision 117's alarm).
import { join } from 'node:path';
import { DeployValueError, renderRunbookContent, requesterApproverRows, runbookDeployValues } from '../../../shared/config/runbook-deploy-values';
import type { AutomationConfig } from '../../../shared/config/schema';
import { ConfigurationError } from '../../../shared/errors';
import { readRunbook } from '../../../shared/runbooks/document';
import { loadPolicy } from '../../../shared/runbooks/lint/lint-files';
import { lintRunbook } from '../../../shared/runbooks/lint/lint-runbook';
import { projectConfig, renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';

const RUNBOOKS = join(__dirname, '../../../runbooks');
const WHERE = { account: '123456789012', partition: 'aws', region: 'us-east-1' };
const API = 'notification-service-api';
const API_ID = 'a1b2c3d4e5';

function withApi(entry: Record<string, unknown>): AutomationConfig {
  return projectConfig({ RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: API, functionName: 'notification-service-consumer', ...entry }] } }) });
}

describe('renderRunbookContent: a token as a map key', () => {
  const values = { Dimension: 'ApiId', Other: 'ApiName', Count: 3, List: ['a', 'b'] };

  it('renders a whole-token key to its text and a token inside a key as text; values beside it render as ever', () => {
    expect(renderRunbookContent({ dimensions: { '${Deploy.Dimension}': '{{ ${Deploy.Dimension} }}', 'x-${Deploy.Other}': 'kept' } }, values)).toEqual({
      dimensions: { ApiId: '{{ ApiId }}', 'x-ApiName': 'kept' },
    });
  });

  it.each([
    ['a number', { '${Deploy.Count}': 1 }, /renders to 3: a key must be text/],
    ['a list', { '${Deploy.List}': 1 }, /renders to \["a","b"\]: a key must be text/],
    ['a key the map already has', { ApiId: 1, '${Deploy.Dimension}': 2 }, /renders to ApiId, which the map already has/],
    ['an unknown value', { '${Deploy.Nope}': 1 }, /\$\{Deploy\.Nope\} is not a deploy-time value/],
  ])('refuses a key token whose value is %s', (_case, content, message) => {
    expect(() => renderRunbookContent(content, values)).toThrow(DeployValueError);
    expect(() => renderRunbookContent(content, values)).toThrow(message);
  });
});

describe('runbookDeployValues: the High Latency alarm\'s API dimension', () => {
  it('a REST API (the default configuration): ApiName, the service\'s API name, the name pattern the document had', () => {
    const values = runbookDeployValues(projectConfig({}), 'production', WHERE);
    expect({ d: values.LatencyApiDimension, v: values.LatencyApiDefault, p: values.LatencyApiPattern }).toEqual({ d: 'ApiName', v: API, p: '^[\\w .:/+=@-]{1,128}$' });
  });

  it('an HTTP API with its id: ApiId, that id, the id pattern', () => {
    const values = runbookDeployValues(withApi({ type: 'http', id: API_ID }), 'production', WHERE);
    expect({ d: values.LatencyApiDimension, v: values.LatencyApiDefault, p: values.LatencyApiPattern }).toEqual({ d: 'ApiId', v: API_ID, p: '^[a-z0-9]{10}$' });
  });

  it('an HTTP API without its id: refused with the alarms\' own error naming the field', () => {
    expect(() => runbookDeployValues(withApi({ type: 'http' }), 'production', WHERE)).toThrow(ConfigurationError);
    expect(() => runbookDeployValues(withApi({ type: 'http' }), 'production', WHERE)).toThrow(/dependencies\.apis\.0\.id/);
  });
});

describe('NotificationService-CheckDbConnections rendered per API type', () => {
  const loaded = readRunbook(join(RUNBOOKS, 'NotificationService-CheckDbConnections.yaml'));
  type Doc = {
    parameters: Record<string, { default?: string; allowedPattern?: string }>;
    mainSteps: Array<{ name: string; inputs: Record<string, unknown> }>;
  };
  const render = (config: AutomationConfig) => renderLoadedRunbook(loaded, config, 'production', WHERE);
  // What the document asks of the API and where the answer goes: the parameter, the alarm both lookups read by name (the
  // High Latency alarm's, whose name is by the API's name for either type), the dimension value the check requires of
  // it, the event's dimensions.
  const apiUse = (content: unknown) => {
    const doc = content as Doc;
    const step = (name: string) => doc.mainSteps.find((s) => s.name === name)?.inputs ?? {};
    const payload = step('checkDbConnections').InputPayload as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: unknown } } }> } } };
    return {
      parameters: Object.keys(doc.parameters).filter((p) => p.startsWith('Api')),
      default: doc.parameters.ApiName?.default ?? doc.parameters.ApiId?.default,
      checkAlarmExists: { names: step('checkAlarmExists').AlarmNames, selector: step('checkAlarmExists').PropertySelector, desired: step('checkAlarmExists').DesiredValues },
      readAlarm: step('readAlarm').AlarmNames,
      event: payload.detail.configuration.metrics[0]?.metricStat.metric.dimensions,
    };
  };
  const LATENCY_ALARM = `NotificationService API Gateway Latency p99 > 500 ms (${API})`;

  it('for a REST API: ApiName throughout, the alarm read by its name and required to watch that ApiName', () => {
    expect(apiUse(render(projectConfig({})).content)).toEqual({
      parameters: ['ApiName'],
      default: API,
      checkAlarmExists: { names: [LATENCY_ALARM], selector: '$.MetricAlarms[0].Dimensions[0].Value', desired: ['{{ ApiName }}'] },
      readAlarm: [LATENCY_ALARM],
      event: { ApiName: '{{ ApiName }}' },
    });
  });

  it('for an HTTP API: ApiId throughout, its default the configured id, which its pattern accepts and an API name does not', () => {
    const content = render(withApi({ type: 'http', id: API_ID })).content as Doc;
    expect(apiUse(content)).toEqual({
      parameters: ['ApiId'],
      default: API_ID,
      checkAlarmExists: { names: [LATENCY_ALARM], selector: '$.MetricAlarms[0].Dimensions[0].Value', desired: ['{{ ApiId }}'] },
      readAlarm: [LATENCY_ALARM],
      event: { ApiId: '{{ ApiId }}' },
    });
    const pattern = new RegExp(content.parameters.ApiId?.allowedPattern ?? '(?!)');
    expect([API_ID, API].map((v) => pattern.test(v))).toEqual([true, false]);
  });

  it('for an HTTP API: the rendered document lints clean with the automation role\'s policy, as the linter checks the REST rendering', () => {
    const policyFile = join(RUNBOOKS, 'automation-role-policy.json');
    const findings = lintRunbook(render(withApi({ type: 'http', id: API_ID })), { policy: { file: policyFile, document: loadPolicy(policyFile) } });
    expect(findings).toEqual([]);
  });
});

describe('runbookDeployValues: no deploy value carries an SSM or parameter reference (review finding, decision 120)', () => {
  const withService = (service: string) => projectConfig({ RUNBOOK_CONFIG_JSON: JSON.stringify({ service }) });

  it('a service name with {{ ssm:... }} in it: refused, naming LatencyApiDefault and the service field, not rendered', () => {
    const config = withService('x{{ ssm:/secret }}');
    expect(() => runbookDeployValues(config, 'production', WHERE)).toThrow(DeployValueError);
    expect(() => runbookDeployValues(config, 'production', WHERE)).toThrow(/LatencyApiDefault "x\{\{ ssm:\/secret \}\}-api" \(from service\) does not match its allowedPattern/);
    const loaded = readRunbook(join(RUNBOOKS, 'NotificationService-CheckDbConnections.yaml'));
    expect(() => renderLoadedRunbook(loaded, config, 'production', WHERE)).toThrow(DeployValueError);
  });

  it('a service name outside the API name rule (a character the pattern refuses): refused the same way', () => {
    expect(() => runbookDeployValues(withService('bad#name'), 'production', WHERE)).toThrow(/LatencyApiDefault "bad#name-api" \(from service\) does not match its allowedPattern \^\[\\w \.:\/\+=@-\]\{1,128\}\$/);
  });

  // The schema already refuses braces in approvers; the check is on what runbookDeployValues is handed (a config built in
  // code, the deploy target's account), so the config is edited after parsing here.
  it.each([
    ['{{', 'role/a{{b'],
    ['}}', 'role/a}}b'],
  ])('an approver with %s in it: refused naming Approvers', (_marker, principal) => {
    const config = projectConfig({});
    const production = config.environments.production;
    if (!production?.runbookApprovers) throw new Error('the default configuration has production approvers');
    production.runbookApprovers = { ...production.runbookApprovers, principals: [principal] };
    expect(() => runbookDeployValues(config, 'production', WHERE)).toThrow(DeployValueError);
    expect(() => runbookDeployValues(config, 'production', WHERE)).toThrow(/the deploy value Approvers ".*" holds \{\{ or \}\}/);
  });

  it('a deploy target whose account is an SSM reference: refused (the first value carrying it, Approvers, named)', () => {
    expect(() => runbookDeployValues(projectConfig({}), 'production', { ...WHERE, account: '{{ ssm:/account }}' })).toThrow(
      /the deploy value Approvers "arn:aws:iam::\{\{ ssm:\/account \}\}:.*" holds \{\{ or \}\}/,
    );
  });

  it('the default configuration passes both checks (so the refusals above are the checks, not every config)', () => {
    expect(runbookDeployValues(projectConfig({}), 'production', WHERE).LatencyApiDefault).toBe(API);
  });
});

describe('requesterApproverRows: how ExecutedBy names an approver (review 11b F9)', () => {
  it.each([
    ['an IAM user, by its ARN (path kept)', 'arn:aws:iam::123456789012:user/ops/dba', { users: [{ Arn: 'arn:aws:iam::123456789012:user/ops/dba' }], roleSessions: [] }],
    ['a role, by any of its sessions (STS names no path)', 'arn:aws:iam::123456789012:role/teams/Approver', { users: [], roleSessions: [{ Prefix: 'arn:aws:sts::123456789012:assumed-role/Approver/' }] }],
    ['a role of another partition and account', 'arn:aws-us-gov:iam::210987654321:role/Approver', { users: [], roleSessions: [{ Prefix: 'arn:aws-us-gov:sts::210987654321:assumed-role/Approver/' }] }],
  ])('%s', (_case, approver, rows) => {
    expect(requesterApproverRows([approver])).toEqual(rows);
  });

  it('writes one refusing choice per approver into every approval document, before its approval', () => {
    const values = runbookDeployValues(projectConfig({ RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { runbookApprovers: { principals: ['user/dba', 'role/Approver'], minRequiredApprovals: 1 } } } }) }), 'production', WHERE);
    expect(values.ApproverUsers).toEqual([{ Arn: `arn:aws:iam::${WHERE.account}:user/dba` }]);
    expect(values.ApproverRoleSessions).toEqual([{ Prefix: `arn:aws:sts::${WHERE.account}:assumed-role/Approver/` }]);
  });
});
