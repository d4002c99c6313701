// Preflight: the escalation sweep's rule (decision 264). A rule deleted, disabled, slowed down or aimed elsewhere stops the
// sweep silently, and then an escalation timer Scheduler drops is never done: each is a FAIL naming it, with the deploy.
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { checkEscalationSweep, checkVerifySweep, sweepRuleProblems, SWEEP_SCHEDULE_EXPRESSION } from '../../../../cli/preflight/sweep-checks';
import { ACCOUNT, awsError, clients, expectationsFor, REGION, TARGET } from './support';

const events = mockClient(EventBridgeClient);
const TIMER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notification-runbooks-escalation-timer`;
const RULE = 'notification-runbooks-escalation-sweep';
const deployed = { State: 'ENABLED' as const, ScheduleExpression: 'rate(5 minutes)' };
const sweepTarget = { Id: 'Target0', Arn: TIMER_ARN, Input: '{"action":"sweep"}' };

describe('sweepRuleProblems', () => {
  it('the rule as infra deploys it: none', () => {
    expect(SWEEP_SCHEDULE_EXPRESSION).toBe('rate(5 minutes)');
    expect(sweepRuleProblems(deployed, [sweepTarget], TIMER_ARN)).toEqual([]);
    // The Input compared as JSON, not as text.
    expect(sweepRuleProblems(deployed, [{ ...sweepTarget, Input: '{ "action" : "sweep" }' }], TIMER_ARN)).toEqual([]);
  });

  it.each([
    ['deleted', undefined, [sweepTarget], 'it does not exist'],
    ['disabled', { ...deployed, State: 'DISABLED' as const }, [sweepTarget], 'it is DISABLED, not ENABLED'],
    ['slowed to hourly', { ...deployed, ScheduleExpression: 'rate(1 hour)' }, [sweepTarget], 'it runs on rate(1 hour), not rate(5 minutes)'],
    ['aimed at another function', deployed, [{ ...sweepTarget, Arn: `${TIMER_ARN}-old` }], `no target is ${TIMER_ARN} (targets: ${TIMER_ARN}-old)`],
    ['without targets', deployed, [], `no target is ${TIMER_ARN} (targets: none)`],
    ['given the scheduled event instead of the Input', deployed, [{ Id: 'Target0', Arn: TIMER_ARN }], `its target ${TIMER_ARN} is not given the Input {"action":"sweep"} (the scheduled event)`],
    ['given another Input', deployed, [{ ...sweepTarget, Input: '{"action":"sweep","x":1}' }], `its target ${TIMER_ARN} is not given the Input {"action":"sweep"} ({"action":"sweep","x":1})`],
  ])('%s: named', (_what, rule, targets, problem) => {
    expect(sweepRuleProblems(rule, targets, TIMER_ARN)).toEqual([problem]);
  });
});

describe('checkEscalationSweep', () => {
  beforeEach(() => events.reset());

  it('PASS for the deployed rule, read on the default bus', async () => {
    events.on(DescribeRuleCommand, { Name: RULE }).resolves({ Name: RULE, ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: RULE }).resolves({ Targets: [sweepTarget] });
    const [result, ...rest] = await checkEscalationSweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ status: 'PASS', area: 'routing', check: 'escalation-sweep', subject: RULE });
    expect(events.commandCalls(DescribeRuleCommand)[0]?.args[0].input).toEqual({ Name: RULE });
  });

  it('FAIL when the rule does not exist, with the deploy that writes it', async () => {
    events.on(DescribeRuleCommand).rejects(awsError('ResourceNotFoundException', `Rule ${RULE} does not exist.`));
    const [result] = await checkEscalationSweep(clients(), expectationsFor('production'), TARGET);
    expect(result).toMatchObject({ status: 'FAIL', check: 'escalation-sweep', subject: RULE });
    expect(result?.message).toBe(`rule ${RULE}: it does not exist: an escalation timer Scheduler cannot deliver (dropped after 15 min) is then never done, and the incident's ladder stops`);
    expect(result?.fix).toBe(`npx cdk deploy -c environment=production -c region=${REGION} NotificationRunbooks-production-${REGION} (the runbook stack writes the rule: infra EscalationSweep)`);
    expect(events.commandCalls(ListTargetsByRuleCommand)).toHaveLength(0);
  });

  it('a refused read is thrown (the caller makes it a could-not-check FAIL), never a PASS', async () => {
    events.on(DescribeRuleCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: events:DescribeRule'));
    await expect(checkEscalationSweep(clients(), expectationsFor('production'), TARGET)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

// Decision 293: the verify sweep's rule, the same check of the rule that invokes verify-change with {"action":"sweep"}.
describe('checkVerifySweep', () => {
  const VERIFY_RULE = 'notification-runbooks-verify-sweep';
  const VERIFY_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notification-runbooks-verify-change`;
  beforeEach(() => events.reset());

  it('PASS for the deployed rule invoking verify-change with the sweep Input', async () => {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [{ ...sweepTarget, Arn: VERIFY_ARN }] });
    const [result, ...rest] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ status: 'PASS', area: 'routing', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(result?.message).toContain('a health check after a change whose schedule Scheduler cannot deliver is run late, not lost (decision 293)');
  });

  it('FAIL when the rule is deleted or aimed at escalation-timer, with the deploy that writes it', async () => {
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).rejects(awsError('ResourceNotFoundException', `Rule ${VERIFY_RULE} does not exist.`));
    const [deleted] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(deleted).toMatchObject({ status: 'FAIL', check: 'verify-sweep', subject: VERIFY_RULE });
    expect(deleted?.message).toBe(
      `rule ${VERIFY_RULE}: it does not exist: a health check after a change whose schedule Scheduler cannot deliver (dropped after its 24 h retry) is then never run: a change that made things worse stays`,
    );
    expect(deleted?.fix).toBe(`npx cdk deploy -c environment=production -c region=${REGION} NotificationRunbooks-production-${REGION} (the runbook stack writes the rule: infra VerifySweep)`);
    events.reset();
    events.on(DescribeRuleCommand, { Name: VERIFY_RULE }).resolves({ Name: VERIFY_RULE, ...deployed });
    events.on(ListTargetsByRuleCommand, { Rule: VERIFY_RULE }).resolves({ Targets: [sweepTarget] });
    const [elsewhere] = await checkVerifySweep(clients(), expectationsFor('production'), TARGET);
    expect(elsewhere?.message).toContain(`no target is ${VERIFY_ARN} (targets: ${TIMER_ARN})`);
  });
});
