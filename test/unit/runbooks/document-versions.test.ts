// The deploy's version cleanup and preflight's reading of a document's versions (decisions 233, 240; review 15 R15-7,
// R15-8, R15-10): what is deleted, and when nothing may be.
import { DeleteDocumentCommand, GetDocumentCommand, ListDocumentVersionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { isCloudFormationResponseUrl } from '../../../custom-resources/prune-document-versions';
import { deleteSupersededVersions, splitVersions } from '../../../shared/runbooks/document-versions';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

describe('splitVersions: exactly one default, else nothing may be deleted (R15-10)', () => {
  it.each([
    ['no default (a page boundary, a proxy)', [{ DocumentVersion: '1' }, { DocumentVersion: '2', IsDefaultVersion: false }], 'names 0 default versions of Doc'],
    ['two defaults', [{ DocumentVersion: '1', IsDefaultVersion: true }, { DocumentVersion: '2', IsDefaultVersion: true }], 'names 2 default versions of Doc'],
    ['a default without a number', [{ IsDefaultVersion: true }, { DocumentVersion: '2' }], 'names 0 default versions of Doc'],
  ])('%s: throws', (_case, versions, message) => {
    expect(() => splitVersions('Doc', versions)).toThrow(message);
  });

  it('one default: the others oldest first, and the latest by number (not by text: 10 after 9)', () => {
    expect(splitVersions('Doc', [{ DocumentVersion: '10' }, { DocumentVersion: '9', IsDefaultVersion: true }, { DocumentVersion: '2' }, {}])).toEqual({
      name: 'Doc',
      defaultVersion: '9',
      superseded: ['2', '10'],
      latestVersion: '10',
    });
  });
});

describe('deleteSupersededVersions', () => {
  const reviewed = { schemaVersion: '0.3', description: 'reviewed', mainSteps: [] };
  const earlier = { schemaVersion: '0.3', description: 'reviewed (before decision 202)', mainSteps: [] };
  // The hash, figured independently: SHA-256 of the JSON with keys sorted.
  const reviewedHash = createHash('sha256').update('{"description":"reviewed","mainSteps":[],"schemaVersion":"0.3"}').digest('hex');
  const versions = (defaultVersion: string, all: string[]) => ({ DocumentVersions: all.map((v) => ({ Name: 'Doc', DocumentVersion: v, IsDefaultVersion: v === defaultVersion })) });
  const contents = (byVersion: Record<string, unknown>): void => {
    for (const [version, content] of Object.entries(byVersion)) {
      ssm.on(GetDocumentCommand, { Name: 'Doc', DocumentVersion: version }).resolves({ Content: JSON.stringify(content), DocumentFormat: 'JSON', DocumentVersion: version });
    }
  };
  const deleted = (): string[] => ssm.commandCalls(DeleteDocumentCommand).map((c) => `${c.args[0].input.Name ?? ''}:${c.args[0].input.DocumentVersion ?? ''}`);

  it('the default is the deployed content: every other version deleted, by number, never the default', async () => {
    ssm.on(ListDocumentVersionsCommand).resolves(versions('3', ['1', '2', '3']));
    contents({ 1: earlier, 2: earlier, 3: reviewed });
    expect(await deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc', reviewedHash)).toMatchObject({ defaultVersion: '3', superseded: ['1', '2'] });
    expect(deleted()).toEqual(['Doc:1', 'Doc:2']);
  });

  it('the default moved to another content, the reviewed one kept as version 1 (R15-7): nothing deleted, the error names version 1 and the command', async () => {
    ssm.on(ListDocumentVersionsCommand).resolves(versions('2', ['1', '2']));
    contents({ 1: reviewed, 2: earlier });
    await expect(deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc', reviewedHash)).rejects.toThrow(
      'the default version 2 of Doc is not the deployed content; version 1 is: someone moved the default. Nothing deleted; make it the default again (aws ssm update-document-default-version --name Doc --document-version 1) and deploy again',
    );
    expect(deleted()).toEqual([]);
  });

  it('no version has the deployed content: nothing deleted', async () => {
    ssm.on(ListDocumentVersionsCommand).resolves(versions('2', ['1', '2']));
    contents({ 1: earlier, 2: { ...earlier, description: 'by hand' } });
    await expect(deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc', reviewedHash)).rejects.toThrow('no version of Doc has the deployed content (the default is 2): nothing deleted');
    expect(deleted()).toEqual([]);
  });

  it('content not known at synth: deleted only when the default is the latest version', async () => {
    ssm.on(ListDocumentVersionsCommand).resolves(versions('1', ['1', '2']));
    await expect(deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc')).rejects.toThrow('the default version 1 of Doc is not its latest 2: someone moved the default');
    expect(deleted()).toEqual([]);
    ssm.on(ListDocumentVersionsCommand).resolves(versions('2', ['1', '2']));
    await deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc');
    expect(deleted()).toEqual(['Doc:1']);
    // Nothing is read but the versions: no GetDocument when there is no hash to compare.
    expect(ssm.commandCalls(GetDocumentCommand)).toHaveLength(0);
  });

  it('an answer with no default (R15-10): throws before any DeleteDocument', async () => {
    ssm.on(ListDocumentVersionsCommand).resolves({ DocumentVersions: [{ DocumentVersion: '1' }, { DocumentVersion: '2' }] });
    await expect(deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc', reviewedHash)).rejects.toThrow('names 0 default versions of Doc: expected exactly one');
    await expect(deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc')).rejects.toThrow('names 0 default versions of Doc');
    expect(deleted()).toEqual([]);
  });
});

describe("isCloudFormationResponseUrl: CloudFormation's response bucket of the function's region only (R15-8)", () => {
  it.each([
    ['virtual-hosted, global endpoint', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation?X-Amz-Signature=0', true],
    ['virtual-hosted, s3-<region>', 'https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/x', true],
    ['virtual-hosted, s3.<region>', 'https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/x', true],
    ['path-style', 'https://s3.us-east-1.amazonaws.com/cloudformation-custom-resource-response-useast1/x', true],
    ["an invoker's own bucket", 'https://attacker-bucket.s3.amazonaws.com/x?sig=1', false],
    ['an API of the same domain', 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/collect', false],
    ["another region's bucket", 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/x', false],
    ['the bucket name as a prefix of another domain', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x', false],
    ['path-style, a longer bucket name', 'https://s3.us-east-1.amazonaws.com/cloudformation-custom-resource-response-useast1x/x', false],
    ['plain http on loopback', 'http://127.0.0.1:9/steal', false],
    ['a port', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x', false],
    ['not a URL', 'cloudformation-custom-resource-response-useast1', false],
  ])('%s -> %s', (_case, url, accepted) => {
    expect(isCloudFormationResponseUrl(url, 'us-east-1')).toBe(accepted);
  });

  it('in a China region: the .amazonaws.com.cn bucket', () => {
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x', 'cn-north-1')).toBe(true);
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com/x', 'cn-north-1')).toBe(false);
  });

  it('no region known: nothing accepted', () => {
    expect(isCloudFormationResponseUrl('https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', '')).toBe(false);
  });
});
