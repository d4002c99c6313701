// Every runbook document the app deploys fits SSM's 64 KB document limit (review 21a, R21-1; decision 347), with room
// left for its runtime parameters, which the same quota counts. Neither moto nor the sandbox has the limit: this is where
// it is held. infra hands CloudFormation each document as its compact JSON text (a string Content is passed to
// CreateDocument as it is; an object would be written out again by CloudFormation's Jackson, as double-quoted YAML
// folded at 80 columns), so the bytes measured here are the bytes sent, the stack's tokens resolved to their longest.
import { DOCUMENT_BUDGET_BYTES, SSM_DOCUMENT_MAX_BYTES, runtimeParametersMaxLength } from '../../shared/runbooks/lint/document-limits';
import { runbookModel } from '../../shared/runbooks/document';
import { documentContentText } from './support/document-content';
import { resourcesOfType, synthesizeApp, type SynthesizedApp } from './support/synth';
import { MANY_CONFIG } from '../support/many-config';

// The longest values the stack's tokens take: a 12-digit account, the longest partition (aws-iso-b is 9; aws-us-gov 10).
const LONGEST = { account: '999999999999', partition: 'aws-us-gov' };

// 10 approvers, a 7-class ladder, Lambda's whole memory range (test/support/many-config.ts).
const MANY = MANY_CONFIG;

interface Measured {
  stack: string;
  name: string;
  json: number;
  /** DocumentFormat, and whether Content is text (a string, or Fn::Join around the stack's tokens). */
  format: unknown;
  text: boolean;
  /** The longest its parameters' values are together, by their patterns, allowedValues and maxChars (undefined: unbounded). */
  parameters: number | undefined;
}

function measure(synthesized: SynthesizedApp): Measured[] {
  const found: Measured[] = [];
  for (const [stack, template] of synthesized.json) {
    const region = stack.match(/(us|eu|ap|sa|ca|me|af|il)-[a-z]+-\d$/)?.[0] ?? 'us-east-1';
    for (const [, resource] of resourcesOfType(template, 'AWS::SSM::Document')) {
      const text = documentContentText(resource, template, { ...LONGEST, region });
      const content = JSON.parse(text) as unknown;
      const model = runbookModel(content);
      found.push({
        stack,
        name: String(resource.Properties?.Name),
        json: Buffer.byteLength(text),
        format: resource.Properties?.DocumentFormat,
        text: typeof resource.Properties?.Content === 'string' || Object.keys(resource.Properties?.Content ?? {}).join() === 'Fn::Join',
        parameters: model ? runtimeParametersMaxLength(model) : undefined,
      });
    }
  }
  return found;
}

// Bytes sent, the largest of the document's stacks (they differ by the region's name only).
// Decision 367: +6 bytes each, Route 53's MaxItems as text ('2', three steps each), as boto3 takes it.
// Decision 375: +396 / +180, no JSONPath filter (waitPromoted, readRecords and verifyRecordSwitched are scripts, readRecords.Roles
// one condition); FailbackToPrimary keeps 107 bytes under the 61,440 budget, 57 under 65,536 with MANY and its parameters.
// Decision 384 (review 23b, R23b-1, R23b-7): FailbackToPrimary's checkFailbackPlacement (a script with the
// failback_differences helper, +2,576 over the checkOldPrimary it replaces), the full create-db-instance-read-replica
// command, PromoteReadReplica's BackupRetentionPeriod in both; and every script carrying the shared helpers deployed
// indented a quarter as deep (withCompactIndentation). Failback 61,333 -> 60,744 (696 under the
// budget), failover 53,419 -> 50,788; with MANY 63,757 -> 63,168 and 55,843 -> 53,212.
const EXPECTED_DR_SIZES = { default: { failback: 60_744, failover: 50_788 }, many: { failback: 63_168, failover: 53_212 } };

describe.each<[string, { config?: string }]>([
  ['the default configuration', {}],
  ['a configuration with 10 approvers, a 7-class ladder and Lambda\'s whole memory range', { config: JSON.stringify(MANY) }],
])('the runbook documents deployed with %s', (_label, context) => {
  let measured: Measured[] = [];
  beforeAll(() => {
    const synthesized = synthesizeApp({ environment: 'production', account: '123456789012', ...context }, { cfnValidation: false });
    try {
      measured = measure(synthesized);
    } finally {
      synthesized.dispose();
    }
  });

  it('are handed to CloudFormation as their compact JSON text (DocumentFormat JSON), not an object it would write out again', () => {
    // The ten runbooks, once in each region's stack: 20 exactly.
    expect(measured).toHaveLength(20);
    expect([...new Set(measured.map((m) => m.name))].sort()).toEqual(
      ['AcknowledgeIncident', 'CheckDbConnections', 'EscalateToNextTier', 'FailbackToPrimary', 'FailoverToDR', 'RaiseLambdaMemory', 'RestoreDatabase', 'ScaleConsumers', 'ScaleUpDatabase', 'TroubleshootConnectionTimeout'].map((n) => `NotificationService-${n}`),
    );
    expect(measured.map((m) => m.name)).toEqual(expect.arrayContaining(['NotificationService-FailoverToDR', 'NotificationService-FailbackToPrimary']));
    expect(measured.filter((m) => m.format !== 'JSON' || !m.text)).toEqual([]);
  });

  it(`each fits SSM's ${SSM_DOCUMENT_MAX_BYTES} bytes with its parameters at their longest (where they are bounded), and with the default configuration the ${DOCUMENT_BUDGET_BYTES} that leave room for them however long`, () => {
    const budget = context.config ? SSM_DOCUMENT_MAX_BYTES : DOCUMENT_BUDGET_BYTES;
    const over = measured.filter((m) => m.json > budget || m.json + (m.parameters ?? 0) > SSM_DOCUMENT_MAX_BYTES);
    expect(over).toEqual([]);
    // The DR documents' parameters are all bounded (RecordName and the regions since decision 347).
    expect(measured.filter((m) => /FailoverToDR|FailbackToPrimary/.test(m.name) && m.parameters === undefined)).toEqual([]);
  });

  it('the DR documents are the largest, at the sizes decision 347 gives (bytes as sent, the largest of their stacks)', () => {
    const largestOf = (name: string) => Math.max(...measured.filter((m) => m.name === name).map((m) => m.json));
    const others = Math.max(...measured.filter((m) => !/FailoverToDR|FailbackToPrimary/.test(m.name)).map((m) => m.json));
    const sizes = { failback: largestOf('NotificationService-FailbackToPrimary'), failover: largestOf('NotificationService-FailoverToDR') };
    expect(Math.min(sizes.failback, sizes.failover)).toBeGreaterThan(others);
    expect(sizes).toEqual(EXPECTED_DR_SIZES[context.config ? 'many' : 'default']);
  });
});
