// Preflight's judgement of a Scheduler lane's alarm (cli/preflight/schedule-delivery-checks.ts) against the alarm infra
// actually synthesizes: the stack's own alarm, as CloudFormation would create it, is judged to be heard (no problem),
// in each region of production; the same alarm with its health-topic action removed is not.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { handlerDeclarations } from '../../cli/preflight/declarations';
import { preflightExpectations } from '../../cli/preflight/expectations';
import { laneAlarmName, laneAlarmProblems, scheduleLanes } from '../../cli/preflight/schedule-delivery-checks';
import { AUTOMATION_HEALTH_TOPIC_NAME } from '../../shared/config/automation-health';
import { resolveIntrinsics } from './support/cfn-policies';
import { resourcesOfType, synthesizeApp, type SynthesizedApp } from './support/synth';

const ACCOUNT = '123456789012';

describe("preflight's Scheduler lane alarm judgement, on the alarms infra synthesizes (decision 251)", () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthesizeApp({ environment: 'production', account: ACCOUNT }, { cfnValidation: false });
  });
  afterAll(() => synthesized.dispose());

  it.each(['us-east-1', 'us-west-2'])('%s: both lanes\' alarms are heard as deployed; without the health topic action, named', (region) => {
    const template = synthesized.json.get(`NotificationRunbooks-production-${region}`);
    if (!template) throw new Error('no stack');
    const d = { partition: 'aws', region, account: ACCOUNT };
    const expected = preflightExpectations(synthesized.built.config, 'production', region, handlerDeclarations());
    const lanes = scheduleLanes(expected);
    expect(lanes.map((l) => l.groupName)).toEqual(['notification-runbooks', 'notification-runbooks-verify']);
    const healthArn = `arn:aws:sns:${region}:${ACCOUNT}:${AUTOMATION_HEALTH_TOPIC_NAME}`;
    for (const lane of lanes) {
      const found = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties?.AlarmName === laneAlarmName(lane));
      if (!found) throw new Error(`no alarm ${laneAlarmName(lane)} in ${region}`);
      // CloudFormation's properties are DescribeAlarms' fields (ActionsEnabled defaults to true).
      const alarm = { ActionsEnabled: true, ...(resolveIntrinsics(found[1].Properties, template, d) as MetricAlarm) };
      expect(alarm.AlarmActions).toEqual([healthArn]);
      expect(laneAlarmProblems(alarm, lane, healthArn)).toEqual([]);
      expect(laneAlarmProblems({ ...alarm, AlarmActions: [] }, lane, healthArn)).toEqual([`its ALARM actions (none) do not notify the automation health topic ${healthArn}`]);
    }
  });
});
