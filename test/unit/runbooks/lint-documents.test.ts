// The linter on real documents: AWS's own runbooks (no false positives), ours (clean), and the deliberately broken ones.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintFiles } from '../../../shared/runbooks/lint/lint-files';
import type { Finding } from '../../../shared/runbooks/lint/lint-runbook';

const root = join(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/ssm-documents');
const awsDocuments = readdirSync(join(fixtures, 'aws')).filter((f) => /\.(ya?ml|json)$/.test(f));
const ourDocuments = readdirSync(join(root, 'runbooks')).filter((f) => f.endsWith('.yaml'));

const summary = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.severity} ${f.step ?? '-'} ${f.rule}: ${f.message}`);

describe('the linter on AWS-authored runbooks', () => {
  it('has at least 30 real documents to check (41 today), each with its source recorded in the README', () => {
    expect(awsDocuments.length).toBeGreaterThanOrEqual(30);
    expect(awsDocuments).toHaveLength(41);
    const readme = readFileSync(join(fixtures, 'README.md'), 'utf8');
    const manifest = readme.slice(readme.indexOf('## `aws/`'), readme.indexOf('\n## ', readme.indexOf('## `aws/`') + 1));
    const recorded = [...manifest.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => m[1]);
    expect([...recorded].sort()).toEqual([...awsDocuments].sort());
    for (const row of manifest.matchAll(/^\| `[^`]+\.(?:json|ya?ml)` \| ([^|]+) \|/gm)) expect(row[1]).toMatch(/@ [0-9a-f]{8}/);
  });

  it.each(awsDocuments)('reports no error on %s, which AWS accepts', (file) => {
    const report = lintFiles([join(fixtures, 'aws', file)]);
    expect(summary(report.findings.filter((f) => f.severity === 'error'))).toEqual([]);
  });

  it('still warns where AWS documents carry risk: a retired python3.6 runtime', () => {
    const report = lintFiles([join(fixtures, 'aws', 'AWSConfigRemediation-EnableEnhancedMonitoringOnRDSInstance.yaml')]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ severity: 'warning', rule: 'retired-runtime', step: 'VerifyEnhancedMonitoringEnabled', message: expect.stringContaining('python3.6') }),
    );
  });
});

describe("the linter on the project's runbooks", () => {
  it.each(ourDocuments)('finds nothing at all in %s, role included', (file) => {
    const report = lintFiles([join(root, 'runbooks', file)]);
    expect(report.policies[join(root, 'runbooks', file)]).toBe(join(root, 'runbooks', 'automation-role-policy.json'));
    expect(summary(report.findings)).toEqual([]);
  });

  it.each(ourDocuments)('%s has an AutomationAssumeRole, a markdown description and outputs', (file) => {
    const text = readFileSync(join(root, 'runbooks', file), 'utf8');
    expect(text).toMatch(/^assumeRole: '\{\{ AutomationAssumeRole \}\}'$/m);
    expect(text).toMatch(/^description: \|-\n {2}# /m);
    expect(text).toMatch(/^outputs:\n {2}- \w+\.\w+/m);
  });
});

describe('the linter on the deliberately broken documents', () => {
  it.each([
    ['missing-step-target.yaml', 'decide', 'missing-target', 'inputs.Choices[0].NextStep names step "scaleConsumer", which does not exist'],
    ['missing-step-target.yaml', 'decide', 'missing-target', 'inputs.Default names step "reportDepth", which does not exist'],
    ['unknown-api.yaml', 'raiseMemory', 'unknown-api', 'lambda has no API UpdateFunctionMemory'],
    ['undefined-parameter.yaml', 'describeDatabase', 'undefined-reference', '{{ DatabaseIdentifier }} is not a parameter of this document'],
  ])('%s fails: step %s, %s, naming the problem', (file, step, rule, message) => {
    const path = join(fixtures, 'broken', file);
    const report = lintFiles([path]);
    expect(report.errors).toBeGreaterThan(0);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ severity: 'error', file: path, step, rule, line: expect.any(Number), message: expect.stringContaining(message) }),
    );
  });
});
