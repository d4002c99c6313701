// Suite: cdk-nag AwsSolutions and Serverless find nothing that is not acknowledged, and every acknowledgement says why.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { addNagChecks } from '../../../infra/lib/nag';
import type { SynthesizedApp } from '../support/synth';

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

export function nagSuite(app: () => SynthesizedApp, options: { checkWiring?: boolean } = {}): void {
  it.each<[string, () => NagPack]>([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['Serverless', () => new ServerlessChecks()],
  ])('the %s pack reports no finding that is not acknowledged', (_name, pack) => {
    const report = pack().validateScope(app().app);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`);
    expect(findings).toEqual([]);
  });

  it('says why for every acknowledgement, in a sentence', () => {
    const acks = acknowledgements(app().app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect({ ...ack, reason: ack.reason.trim().length >= 20 }).toEqual({ ...ack, reason: true });
  });

  if (options.checkWiring) {
    it('stops `cdk synth` on a finding nobody acknowledged', () => {
      const probe = new App();
      new Queue(new Stack(probe, 'Probe'), 'PlainQueue');
      addNagChecks(probe);
      expect(() => probe.synth()).toThrow(/AwsSolutions-SQS4/);
    });
  }
}
