// Every API step of every runbook document, as deployed, is a request boto3 sends (review 22b, R22b-1/R22b-2; decision
// 367). Automation's aws:executeAwsApi, aws:waitForAwsResourceProperty and aws:assertAwsResourceProperty call the API
// through Boto3, which validates the parameters against botocore's model before sending; the rehearsal sends them with
// the JS SDK v3, whose model differs (Route 53's MaxItems: a string in botocore, a number in the SDK v3), and moto
// cannot see the difference on the wire. Here each request of the 10 documents, rendered for production with the
// default configuration and with the largest one the infra tests use (test/support/many-config.ts), its references
// replaced by values of their declared types (test/support/api-step-requests.ts), goes through botocore's own
// ParamValidator (python3 + botocore, installed with moto).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkWithBotocore, createBotocoreChecker, type BotocoreCheck } from '../../../sandbox/rehearsal/botocore-params';
import { createSdkCaller } from '../../../sandbox/rehearsal/sdk-caller';
import { readRunbook, runbookModel, type RunbookModel } from '../../../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';
import { stepRequests, type StepRequest } from '../../support/api-step-requests';
import { MANY_CONFIG } from '../../support/many-config';

const RUNBOOKS = join(__dirname, '..', '..', '..', 'runbooks');
const DOCUMENTS = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
const CONFIGS = [
  ['default', projectConfig({})],
  ['many', projectConfig({ RUNBOOK_CONFIG_JSON: JSON.stringify(MANY_CONFIG) })],
] as const;

function renderedModel(document: string, config: (typeof CONFIGS)[number][1]): RunbookModel {
  const rendered = renderLoadedRunbook(readRunbook(join(RUNBOOKS, `${document}.yaml`)), config, 'production', { account: '123456789012', partition: 'aws', region: 'us-east-1' });
  const model = runbookModel(rendered.content);
  if (!model) throw new Error(`${document} did not render to a document`);
  return model;
}

const refusals = (requests: readonly StepRequest[], checks: readonly BotocoreCheck[]): string[] =>
  checks.flatMap((check, i) => (check.invalid || check.unknown ? [`${requests[i]?.document} ${requests[i]?.step} ${requests[i]?.service} ${requests[i]?.api}: ${check.invalid ?? check.unknown}`] : []));

describe('every API step of the runbook documents, as boto3 (Automation\'s) sees it', () => {
  const requests = CONFIGS.flatMap(([label, config]) => DOCUMENTS.map((document) => stepRequests(document, renderedModel(document, config))).flat().map((r) => ({ ...r, config: label })));
  let checks: BotocoreCheck[] = [];
  beforeAll(() => {
    checks = checkWithBotocore(requests);
  });

  it('covers the 10 documents, each with at least one API step, 80 requests per configuration (FailbackToPrimary\'s checkOldPrimary is now checkFailbackPlacement, a script: R23b-1)', () => {
    expect(DOCUMENTS).toHaveLength(10);
    for (const [label] of CONFIGS) {
      const mine = requests.filter((r) => r.config === label);
      expect({ label, documents: [...new Set(mine.map((r) => r.document))].sort() }).toEqual({ label, documents: DOCUMENTS });
      expect({ label, requests: mine.length }).toEqual({ label, requests: 80 });
    }
    expect(checks).toHaveLength(160);
  });

  it('botocore knows every Service and Api and accepts every request\'s parameters', () => {
    expect(refusals(requests, checks)).toEqual([]);
    expect(checks.every((c) => typeof c.operation === 'string')).toBe(true);
  });

  it('would refuse what boto3 refuses (the forms review 22b found): MaxItems as a number, an Integer in a Filters Values list', () => {
    const model = renderedModel('NotificationService-FailoverToDR', CONFIGS[0][1]);
    const [readRecords] = stepRequests('NotificationService-FailoverToDR', model).filter((r) => r.step === 'refuseRecordPair');
    if (!readRecords) throw new Error('FailoverToDR has no refuseRecordPair step');
    expect(readRecords.params.MaxItems).toBe('2');
    const planted: StepRequest[] = [
      { ...readRecords, params: { ...readRecords.params, MaxItems: 2 } },
      { document: 'planted', step: 'verifyIngress', service: 'ec2', api: 'DescribeSecurityGroups', params: { Filters: [{ Name: 'ip-permission.from-port', Values: [5432] }] } },
      { document: 'planted', step: 'typo', service: 'route53', api: 'ListResourceRecordSet', params: {} },
    ];
    expect(checkWithBotocore(planted)).toEqual([
      { operation: 'ListResourceRecordSets', invalid: expect.stringContaining("Invalid type for parameter MaxItems, value: 2, type: <class 'int'>, valid types: <class 'str'>") },
      { operation: 'DescribeSecurityGroups', invalid: expect.stringContaining("Invalid type for parameter Filters[0].Values[0], value: 5432, type: <class 'int'>, valid types: <class 'str'>") },
      { unknown: expect.stringContaining("route53 has no operation 'ListResourceRecordSet'") },
    ]);
  });

  it('the rehearsal refuses such a request with boto3\'s words before sending it (the SDK v3 would send MaxItems 2 as it is)', async () => {
    const botocore = createBotocoreChecker();
    const aws = createSdkCaller({ region: 'us-east-1', botocore });
    try {
      // Refused before any client is built: no endpoint is configured here, and none is needed.
      await expect(aws.call('route53', 'ListResourceRecordSets', { HostedZoneId: 'Z1', StartRecordName: 'a.example.com', StartRecordType: 'CNAME', MaxItems: 2 })).rejects.toThrow(
        /^ParamValidationError: boto3, which Automation runs this step with, refuses route53 ListResourceRecordSets before sending it: .*Invalid type for parameter MaxItems, value: 2/,
      );
      await expect(botocore.check({ service: 'route53', api: 'list_resource_record_sets', params: { HostedZoneId: 'Z1', MaxItems: '2' } })).resolves.toEqual({ operation: 'ListResourceRecordSets' });
    } finally {
      aws.destroy();
    }
    await expect(botocore.check({ service: 'route53', api: 'ListResourceRecordSets', params: {} })).rejects.toThrow('the botocore checker is closed');
  });
});
