// Preflight's exit code as a gate (decision 362): a WARN exits 0 (warnings allowed, as documented and as `npm test`'s
// runs rely on) unless --strict, which makes a run that warned and did not fail exit 4, apart from a FAIL's 1. The WARN
// that motivated it: a grant that lets anyone change the function's code from the addresses of one /24 (decision 353).
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT } from '../../../../cli/exit-codes';
import { preflightExit } from '../../../../cli/preflight/index';
import { checkVerifySweep } from '../../../../cli/preflight/sweep-checks';
import { buildProgram } from '../../../../cli/runbook';
import { mayCall, type PolicyDoc } from '../../../support/trust-oracle';
import { ACCOUNT, clients, expectationsFor, noVersionsOrAliases, simulateCustomPolicyAsAws, STRANGER_ROLE, TARGET, VERIFY, VERIFY_ARN, VERIFY_RULE, VERIFY_RULE_ARN, VERIFY_SWEEP_STATEMENT } from './support';

const events = mockClient(EventBridgeClient);
const lambda = mockClient(LambdaClient);
const iam = mockClient(IAMClient);


beforeEach(() => {
  events.reset();
  lambda.reset();
  noVersionsOrAliases(lambda);
  iam.reset();
});

describe('preflight exit code', () => {
  it.each<[string, { warn: number; fail: number }, boolean, number]>([
    ['every check passed', { warn: 0, fail: 0 }, false, EXIT.ok],
    ['every check passed, --strict', { warn: 0, fail: 0 }, true, EXIT.ok],
    ['two warnings, none failed (warnings allowed)', { warn: 2, fail: 0 }, false, EXIT.ok],
    ['two warnings, none failed, --strict', { warn: 2, fail: 0 }, true, 4],
    ['a failure and a warning', { warn: 1, fail: 1 }, false, EXIT.failure],
    ['a failure and a warning, --strict (the failure decides)', { warn: 1, fail: 1 }, true, 1],
  ])('%s: %j, strict %s, exits %d', (_what, summary, strict, code) => {
    expect(preflightExit(summary, strict)).toBe(code);
  });

  it("a grant letting anyone change the function's code from one /24 is a WARN: exit 0, and 4 with --strict", async () => {
    const doc: PolicyDoc = {
      Version: '2012-10-17',
      Statement: [
        VERIFY_SWEEP_STATEMENT,
        { Sid: 'Office', Effect: 'Allow', Principal: '*', Action: 'lambda:UpdateFunctionCode', Resource: VERIFY_ARN, Condition: { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } } },
      ],
    };
    // Who can run code: the oracle admits a stranger holding an address of the /24, and only there.
    const call = (address: string) => ({ principal: STRANGER_ROLE, action: 'lambda:UpdateFunctionCode', resource: { arn: VERIFY_ARN, account: ACCOUNT }, context: { 'aws:SourceIp': address } });
    expect(await mayCall(doc, call('198.51.100.7'))).toBe(true);
    expect(await mayCall(doc, call('192.0.2.7'))).toBe(false);
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, Arn: VERIFY_RULE_ARN, State: 'ENABLED', ScheduleExpression: 'rate(5 minutes)' });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ Id: 'Target0', Arn: VERIFY_ARN, Input: '{"action":"sweep"}' }] });
    lambda.on(GetPolicyCommand, { FunctionName: VERIFY }).resolves({ Policy: JSON.stringify(doc), RevisionId: 'r1' });
    simulateCustomPolicyAsAws(iam);
    const lines = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(lines.map((l) => l.status)).toEqual(['WARN']);
    expect(lines[0]?.message).toContain('it also grants lambda:UpdateFunctionCode to statement Office: Principal "*" (reachable only from the networks it names, aws:SourceIp 198.51.100.0/24');
    const summary = { warn: lines.filter((l) => l.status === 'WARN').length, fail: lines.filter((l) => l.status === 'FAIL').length };
    expect(preflightExit(summary)).toBe(0);
    expect(preflightExit(summary, true)).toBe(4);
  });

  it('is documented in the CLI help: --strict, and each exit code', () => {
    const preflight = buildProgram(() => undefined).commands.find((c) => c.name() === 'preflight');
    let written = '';
    preflight?.configureOutput({ writeOut: (text) => (written += text), writeErr: () => undefined });
    preflight?.outputHelp();
    const help = written.replace(/\s+/g, ' ');
    expect(help).toContain('--strict');
    expect(help).toContain('Exit codes: 0 nothing failed (warnings allowed, unless --strict), 1 a check failed, 4 --strict only: nothing failed but a check warned');
  });
});
