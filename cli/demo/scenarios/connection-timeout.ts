// Demo scenario, Connection Timeout (504) -> inspect security groups: a deploy drops the database's ingress rule, the
// 504 alarm fires, the handler names the missing rule and the runbook that adds it behind approval, and changes nothing;
// then on call runs that runbook as the CLI does (`runbook rehearse ... --approve-as <approver> --approve`): its own
// inspection, the aws:approve step answered by a configured approver, the rule added and verified (decision 188).
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { partitionOf } from '../../../shared/aws/arn';
import { runbookDeployValues } from '../../../shared/config/runbook-deploy-values';
import { projectConfig } from '../../../shared/runbooks/rendered-runbook';
import type { RehearsalResult } from '../../../sandbox/rehearsal/engine';
import { runRehearsal, type RehearsalRun } from '../../rehearse';
import { alarmOf, awaitDecision, fireAlarm, printDetails } from '../fire-alarm';
import type { DemoScenario } from '../context';

const HANDLER = 'inspect-security-groups';
const DB_PORT = 5432;
// The alarm wants 504s in 3 of the last 5 minutes (decision 229): three minutes of timeouts after the deploy.
const FIVE_O_FOUR_PER_MINUTE = [0, 12, 37, 41];

export const connectionTimeoutScenario: DemoScenario = {
  name: 'connection-timeout',
  title: 'Connection Timeout (504 errors) -> inspect security groups',
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const sg = topology.vpc.securityGroupIds;
    const ec2 = new EC2Client(clientConfig);
    const escalationFailuresBefore = ctx.escalation.failures();
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
      const fired = await fireAlarm(ctx, alarmName, 'ALARM', 'Threshold Crossed: 3 out of the last 4 datapoints [41.0, 37.0, 12.0] were greater than the threshold (0.0) (minimum 3 datapoints for OK -> ALARM transition).', {
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: FIVE_O_FOUR_PER_MINUTE,
        threshold: 0.0,
      });
      ctx.line(`  alarm "${alarmName}": ${fired.from} -> ${fired.to} (504s per minute, counted from the access log: ${FIVE_O_FOUR_PER_MINUTE.join(', ')})`);
      const { decision, failures } = await awaitDecision(ctx, HANDLER);
      printDetails(ctx, decision);
      // The escalation goes to the path as deployed: an incident opened, the first tier paged with the missing rule.
      const page = decision?.outcome === 'escalate' ? await ctx.page() : undefined;
      const stillMissing = (await dbRule()) === undefined;
      ctx.timeline.sample({ resource: stillMissing ? 0 : 1 });

      // On call runs the runbook the escalation names, with its parameters, through the CLI's own rehearsal (moto cannot
      // run SSM Automation): the document as deployed to this environment, its aws:approve step answered by the first
      // configured approver with --approve-as / --approve (review 10a finding 9's "(simulated)" step, now the real path).
      const runbook = decision?.runbook;
      const approver = runbook ? configuredApprover(ctx.options.environment, topology.accountId, topology.region) : undefined;
      let rehearsal: RehearsalRun | undefined;
      if (runbook && approver) {
        const params = Object.entries(runbook.parameters).flatMap(([name, values]) => values.map((value) => `${name}=${value}`));
        ctx.line(`  on call runs the runbook the escalation names; ${approver} (a configured approver of the document) approves it:`);
        ctx.line(`    $ runbook rehearse ${runbook.documentName} -e ${ctx.options.environment} ${params.map((p) => `-p '${p}'`).join(' ')} --approve-as ${approver} --approve`);
        const narrate = (text: string): void => ctx.line(`    | ${text}`);
        rehearsal = await runRehearsal(runbook.documentName, { param: params, environment: ctx.options.environment, approveAs: [approver], approve: true }, { log: narrate, error: narrate });
        ctx.line(`  runbook rehearse exited ${rehearsal.exitCode}`);
      } else {
        ctx.line(`  no runbook to run: ${runbook ? `no approver is configured for ${ctx.options.environment}` : 'the inspection named none'}`);
      }
      const approval = approvalOf(rehearsal?.result, approver);
      const ruleBack = (await dbRule()) !== undefined;
      if (!ruleBack) {
        // The scenario has failed (its PASS needs the runbook's rule); the scenarios after it still need the sandbox as it was.
        await ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: sg.database,
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: DB_PORT, ToPort: DB_PORT, UserIdGroupPairs: [{ GroupId: sg.lambda, Description: 'put back by the demo after a failed run' }] }],
          }),
        );
        ctx.line(`  the runbook did not add the rule: the demo puts it back itself so that the scenarios after this one find the sandbox as it was (this scenario FAILS)`);
      }
      ctx.timeline.sample({ metric: 0, resource: (await dbRule()) ? 1 : 0 });
      const cleared = await fireAlarm(ctx, alarmName, 'OK', 'Threshold Crossed: 3 out of the last 3 datapoints [0.0, 0.0, 0.0] were not greater than the threshold (0.0) (minimum 3 datapoints for ALARM -> OK transition).', {
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [0.0, 0.0, 0.0],
        threshold: 0.0,
      });
      ctx.line(`  alarm "${alarmName}": ${cleared.from} -> ${cleared.to}`);
      const afterOk = await awaitDecision(ctx, HANDLER);
      const settled = await ctx.settle(page?.incidentId ? [page.incidentId] : []);
      const told = page?.firstTier.some((m) => m.message.includes(`allows no ingress on tcp ${DB_PORT}`)) ?? false;

      const named = decision?.outcome === 'escalate' && decision.escalation?.cause === 'diagnosis' && decision.reason.includes(`allows no ingress on tcp ${DB_PORT}`);
      const parameters = runbook?.parameters;
      // Each PASS checks what it narrates (decision 165): the diagnosis changed nothing; the rule came back only through
      // the runbook, after the configured approver's approval, added and verified by the document's own steps.
      const ok =
        named &&
        runbook !== undefined &&
        stillMissing &&
        rehearsal?.exitCode === 0 &&
        approval.approvedBeforeAdded &&
        ruleBack &&
        page?.paged === true &&
        told &&
        settled.settled &&
        failures + afterOk.failures + ctx.escalation.failures() - escalationFailuresBefore === 0;
      return {
        ok,
        summary: [
          `finding                       ${decision?.reason.split(' — ')[0] ?? 'none'}`,
          `fix behind approval           ${runbook ? `${runbook.documentName} SecurityGroupId=${parameters?.SecurityGroupId?.[0] ?? '?'} SourceSecurityGroupId=${parameters?.SourceSecurityGroupId?.[0] ?? '?'} Port=${parameters?.Port?.[0] ?? '?'}` : 'none'}`,
          `paged                         ${page?.incidentId ? `${page.incidentId}: ${ctx.firstTier.name} ${page.paged ? `told on ${ctx.firstTier.channels.join(' + ')}` : 'NOT told on every channel'}${told ? ', with the missing rule' : ', without the missing rule'}` : 'no incident opened'}`,
          `settled                       ${settled.text}`,
          `rules changed by automation   ${stillMissing ? 'none (the rule was still missing after the diagnosis)' : 'the rule changed while the handler ran'}`,
          `approval                      ${approval.text}`,
          `rule added by the runbook     ${approval.ruleId ? `${approval.ruleId} (authorizeIngress, then verifyIngress: ${approval.verified ? 'verified' : 'NOT verified'}); the rule is ${ruleBack ? 'back' : 'still missing'}` : `none; the rule is ${ruleBack ? 'back' : 'still missing'}`}`,
          ok ? 'the missing rule was named with its exact fix; widening access waited for a configured approver\'s approval' : 'the scenario did not complete as expected (see above)',
        ],
      };
    } finally {
      ec2.destroy();
    }
  },
};

/** The first approver the document is deployed with in this environment and account (the configuration's runbookApprovers). */
function configuredApprover(environment: Parameters<typeof runbookDeployValues>[1], account: string, region: string): string | undefined {
  const approvers = runbookDeployValues(projectConfig(process.env), environment, { account, partition: partitionOf(region) }).Approvers;
  return Array.isArray(approvers) && typeof approvers[0] === 'string' ? approvers[0] : undefined;
}

/** What the rehearsal's own steps say of the approval and the rule: who approved, whether before the rule was added. */
function approvalOf(result: RehearsalResult | undefined, approver: string | undefined): { approvedBeforeAdded: boolean; text: string; ruleId?: string; verified: boolean } {
  const steps = result?.steps ?? [];
  const at = (name: string): number => steps.findIndex((s) => s.step === name);
  const approve = steps[at('approveRuleChange')];
  const added = steps[at('authorizeIngress')];
  const decisions = (approve?.outputs.ApproverDecisions ?? []) as Array<{ approver?: string; decision?: string }>;
  const approvedBy = decisions.filter((d) => d.decision === 'Approve').map((d) => d.approver ?? '?');
  const ruleId = typeof added?.outputs.SecurityGroupRuleId === 'string' ? added.outputs.SecurityGroupRuleId : undefined;
  const verified = steps[at('verifyIngress')]?.status === 'Success';
  const approvedBeforeAdded =
    result?.status === 'Success' &&
    approve?.status === 'Success' &&
    approve.outputs.ApprovalStatus === 'Approved' &&
    approver !== undefined &&
    approvedBy.length === 1 &&
    approvedBy[0] === approver &&
    added?.status === 'Success' &&
    at('approveRuleChange') < at('authorizeIngress') &&
    ruleId !== undefined &&
    verified;
  const text = approve
    ? `${approve.outputs.ApprovalStatus === 'Approved' ? `approved by ${approvedBy.join(', ')}` : `not approved (${String(approve.outputs.ApprovalStatus ?? approve.status)})`} in step approveRuleChange (aws:approve, answered with --approve-as --approve), before authorizeIngress`
    : `no approval step ran${result?.failure ? ` (failed at ${result.failure.step}: ${result.failure.message})` : ''}`;
  return { approvedBeforeAdded, text, ...(ruleId ? { ruleId } : {}), verified };
}
