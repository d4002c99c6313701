// Demo scenario, Connection Timeout (504) -> inspect security groups: a deploy drops the database's ingress rule, the
// 504 alarm fires, the handler names the missing rule and the runbook that adds it behind approval, and changes nothing.
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'inspect-security-groups';
const DB_PORT = 5432;
const FIVE_O_FOUR_PER_MINUTE = [0, 12, 37];

export const connectionTimeoutScenario: DemoScenario = {
  name: 'connection-timeout',
  title: 'Connection Timeout (504 errors) -> inspect security groups',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const sg = topology.vpc.securityGroupIds;
    const ec2 = new EC2Client(clientConfig);
    /** The database group's ingress rule on 5432 that names the function's group, if there is one. */
    const dbRule = async (): Promise<string | undefined> => {
      const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [sg.database] }] }));
      return rules.SecurityGroupRules?.find((r) => !r.IsEgress && r.FromPort === DB_PORT && r.ReferencedGroupInfo?.GroupId === sg.lambda)?.SecurityGroupRuleId;
    };
    try {
      ctx.line(`  ${topology.consumer.functionName} runs in ${sg.lambda}; ${topology.database.identifier} sits behind ${sg.database} (tcp ${DB_PORT} from ${sg.lambda})`);
      const rule = await dbRule();
      ctx.timeline.chart({ label: '504s (access log)', unit: 'per minute' }, { label: `ingress rules on tcp ${DB_PORT} from ${sg.lambda}`, unit: 'rules' });
      ctx.timeline.sample({ resource: rule ? 1 : 0 });
      if (rule) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: sg.database, SecurityGroupRuleIds: [rule] }));
      ctx.line(`  a deploy replaces ${sg.database}'s rules and drops "tcp ${DB_PORT} from ${sg.lambda}": the function's connections time out, the API answers 504`);
      ctx.timeline.sample({ resource: (await dbRule()) ? 1 : 0 });
      const minuteMs = 60_000;
      const firedAt = Date.now();
      FIVE_O_FOUR_PER_MINUTE.forEach((value, i) => ctx.timeline.sample({ metric: value }, firedAt - (FIVE_O_FOUR_PER_MINUTE.length - 1 - i) * minuteMs));

      const alarmName = alarmOf(ctx, HANDLER);
      const fired = await fireAlarm(ctx, alarmName, 'ALARM', 'Threshold Crossed: 1 out of the last 1 datapoints [37.0] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).', {
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: FIVE_O_FOUR_PER_MINUTE.slice(-1),
        threshold: 0.0,
      });
      ctx.line(`  alarm "${alarmName}": ${fired.from} -> ${fired.to} (504s per minute, counted from the access log: ${FIVE_O_FOUR_PER_MINUTE.join(', ')})`);
      const { decision, failures } = await awaitDecision(ctx, HANDLER);
      printDetails(ctx, decision);
      const stillMissing = (await dbRule()) === undefined;
      ctx.timeline.sample({ resource: stillMissing ? 0 : 1 });

      // What the approved runbook's authorizeIngress step does, done by the demo itself (no document runs, nobody
      // approves), so the scenarios after this one find the sandbox as it was; said as such (review 10a, finding 9).
      const parameters = decision?.runbook?.parameters;
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: sg.database,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: DB_PORT, ToPort: DB_PORT, UserIdGroupPairs: [{ GroupId: sg.lambda, Description: parameters?.RuleDescription?.[0] ?? 'restored by the demo' }] }],
        }),
      );
      const document = decision?.runbook?.documentName ?? 'the runbook';
      ctx.line(
        `  (simulated) the demo adds the rule itself (AuthorizeSecurityGroupIngress, what ${document}'s authorizeIngress step does once an approver approves); ` +
          'no document ran and nobody approved: the rule is back',
      );
      ctx.line(`  (the real path: runbook rehearse ${document} -e ${ctx.options.environment} -p ... --approve-as <approver> --approve, or runbook exec against AWS)`);
      ctx.timeline.sample({ metric: 0, resource: (await dbRule()) ? 1 : 0 });
      const cleared = await fireAlarm(ctx, alarmName, 'OK', 'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).', {
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [0.0],
        threshold: 0.0,
      });
      ctx.line(`  alarm "${alarmName}": ${cleared.from} -> ${cleared.to}`);
      const afterOk = await awaitDecision(ctx, HANDLER);

      const named = decision?.outcome === 'escalate' && decision.escalation?.cause === 'diagnosis' && decision.reason.includes(`allows no ingress on tcp ${DB_PORT}`);
      const ok = named && decision?.runbook !== undefined && stillMissing && failures + afterOk.failures === 0;
      return {
        ok,
        summary: [
          `finding                       ${decision?.reason.split(' — ')[0] ?? 'none'}`,
          `fix behind approval           ${decision?.runbook ? `${decision.runbook.documentName} SecurityGroupId=${parameters?.SecurityGroupId?.[0] ?? '?'} SourceSecurityGroupId=${parameters?.SourceSecurityGroupId?.[0] ?? '?'} Port=${parameters?.Port?.[0] ?? '?'}` : 'none'}`,
          `rules changed by automation   ${stillMissing ? 'none (the rule was still missing after the diagnosis)' : 'the rule changed while the handler ran'}`,
          ok ? 'the missing rule was named with its exact fix; widening access stayed with a person' : 'the scenario did not complete as expected (see above)',
        ],
      };
    } finally {
      ec2.destroy();
    }
  },
};
