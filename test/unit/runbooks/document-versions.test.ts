// The deploy's version cleanup and preflight's reading of a document's versions (decisions 233, 240; review 15 R15-7,
// R15-8, R15-10): what is deleted, and when nothing may be.
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand, type DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { DeleteDocumentCommand, GetDocumentCommand, ListDocumentVersionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import {
  type CustomResourceEvent,
  DEPLOYED_CONTENTS_ENV,
  DOCUMENT_HASHES_ENV,
  DOCUMENT_NAMES_ENV,
  isCloudFormationResponseUrl,
  pruneSupersededVersions,
  type PruneDeps,
  STACK_ID_ENV,
} from '../../../custom-resources/prune-document-versions';
import { readStackStatus, stackStatusReader } from '../../../shared/aws/stack-status';
import { clientConfig } from '../../../shared/aws/client-config';
import { deleteSupersededVersions, splitVersions } from '../../../shared/runbooks/document-versions';

const ssm = mockClient(SSMClient);
const cfn = mockClient(CloudFormationClient);
afterEach(() => {
  ssm.reset();
  cfn.reset();
});
const stackId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/NotificationRunbooks-production-us-east-1/aaf549a0-a413-11df-adb3-5081b3858e83';
// The SDK's exception as it parses CloudFormation's ErrorResponse: its Code is the name.
const refused = (code: string, message: string, httpStatusCode: number): CloudFormationServiceException =>
  new CloudFormationServiceException({ name: code, message, $fault: httpStatusCode < 500 ? 'client' : 'server', $metadata: { httpStatusCode } });

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

  it('an answer with no default (R15-10): throws before any DeleteDocument', async () => {
    ssm.on(ListDocumentVersionsCommand).resolves({ DocumentVersions: [{ DocumentVersion: '1' }, { DocumentVersion: '2' }] });
    await expect(deleteSupersededVersions(ssm as unknown as SSMClient, 'Doc', reviewedHash)).rejects.toThrow('names 0 default versions of Doc: expected exactly one');
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

describe('the custom resource answering CloudFormation: retries, a rollback, a failure (review 15, R15-9)', () => {
  const reviewed = { schemaVersion: '0.3', description: 'reviewed', mainSteps: [] };
  const reviewedHash = createHash('sha256').update('{"description":"reviewed","mainSteps":[],"schemaVersion":"0.3"}').digest('hex');
  // The custom resource's DeployedContents as synthesized with the function (DEPLOYED_CONTENTS), and another template's.
  const deployed = createHash('sha256').update('this template').digest('hex');
  const previous = createHash('sha256').update('the previous template').digest('hex');
  const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
  const saved = { names: process.env[DOCUMENT_NAMES_ENV], hashes: process.env[DOCUMENT_HASHES_ENV], contents: process.env[DEPLOYED_CONTENTS_ENV], stack: process.env[STACK_ID_ENV], region: process.env.AWS_REGION };
  beforeEach(() => {
    process.env[DOCUMENT_NAMES_ENV] = 'Doc';
    process.env[DOCUMENT_HASHES_ENV] = `Doc=${reviewedHash}`;
    process.env[DEPLOYED_CONTENTS_ENV] = deployed;
    process.env[STACK_ID_ENV] = stackId;
    process.env.AWS_REGION = 'us-east-1';
  });
  afterAll(() => {
    for (const [key, value] of [[DOCUMENT_NAMES_ENV, saved.names], [DOCUMENT_HASHES_ENV, saved.hashes], [DEPLOYED_CONTENTS_ENV, saved.contents], [STACK_ID_ENV, saved.stack], ['AWS_REGION', saved.region]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  /**
   * SSM as the deploy left it: versions 1, 2 and 3 (default, the deployed content unless `defaultContent` says otherwise;
   * 2 has the deployed content too); a DeleteDocument that succeeds removes the version.
   */
  const documentWithVersions = (defaultContent: unknown = reviewed): Set<string> => {
    const live = new Set(['1', '2', '3']);
    ssm.on(ListDocumentVersionsCommand).callsFake(() => ({ DocumentVersions: [...live].map((v) => ({ Name: 'Doc', DocumentVersion: v, IsDefaultVersion: v === '3' })) }));
    ssm.on(GetDocumentCommand).callsFake((input: { DocumentVersion?: string }) => ({ Content: JSON.stringify(input.DocumentVersion === '3' ? defaultContent : reviewed), DocumentFormat: 'JSON' }));
    return live;
  };
  const deleteAnswers = (live: Set<string>, answers: Array<Error | 'ok'>): void => {
    let call = 0;
    ssm.on(DeleteDocumentCommand).callsFake((input: { DocumentVersion?: string }) => {
      const answer = answers[call] ?? 'ok';
      call += 1;
      if (answer !== 'ok') throw answer;
      live.delete(input.DocumentVersion ?? '');
      return {};
    });
  };
  /**
   * The stack's status as DescribeStacks answers it: a forward deploy's unless a case says otherwise. With `remainingMs`,
   * Lambda's clock: the time left at the start, running down as the calls' deadlines and the retries' waits pass (jest's
   * fake timers, so a 20 s deadline takes no real time); `elapsedMs` is the time the answer took on that clock. Without
   * it, no clock: no deadline, and retries recorded without waiting.
   */
  const run = async (
    event: Partial<CustomResourceEvent>,
    remainingMs?: number,
    stackStatus: (abortSignal?: AbortSignal) => Promise<string> = () => Promise.resolve('UPDATE_IN_PROGRESS'),
  ): Promise<{ answer: Record<string, unknown>; sleeps: number[]; elapsedMs: number }> => {
    const sleeps: number[] = [];
    const bodies: string[] = [];
    if (remainingMs !== undefined) jest.useFakeTimers({ now: Date.parse('2026-12-07T08:00:00Z') });
    const start = Date.now();
    const deps: PruneDeps = {
      ssm,
      put: (_url, body) => {
        bodies.push(body);
        return Promise.resolve(200);
      },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      sleep: (ms) => {
        sleeps.push(ms);
        return remainingMs === undefined ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, ms));
      },
      ...(remainingMs === undefined ? {} : { remainingMs: () => remainingMs - (Date.now() - start) }),
      stackStatus,
    };
    const answered = pruneSupersededVersions(
      {
        RequestType: 'Update',
        ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=0',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/NotificationRunbooks-production-us-east-1/0',
        RequestId: 'r-1',
        LogicalResourceId: 'Cleanup',
        PhysicalResourceId: 'superseded-runbook-document-versions',
        ResourceProperties: { Documents: ['Doc'], DeployedContents: deployed },
        OldResourceProperties: { Documents: ['Doc'], DeployedContents: previous },
        ...event,
      },
      deps,
    );
    let elapsedMs = 0;
    if (remainingMs !== undefined) {
      let settled = false;
      void answered.finally(() => {
        settled = true;
      });
      try {
        // Lambda's timeout ends the invocation: a case that runs past the time it was given fails here.
        // Each step runs the promises waiting, then the clock to the next timer (a deadline, a retry's wait) and no further.
        for (await jest.advanceTimersByTimeAsync(0); !settled && Date.now() - start < remainingMs && jest.getTimerCount() > 0; ) await jest.advanceTimersToNextTimerAsync();
        elapsedMs = Date.now() - start;
      } finally {
        jest.useRealTimers();
      }
    }
    await answered;
    expect(bodies).toHaveLength(1);
    return { answer: JSON.parse(bodies[0] ?? '{}') as Record<string, unknown>, sleeps, elapsedMs };
  };
  const deletes = (): string[] => ssm.commandCalls(DeleteDocumentCommand).map((c) => c.args[0].input.DocumentVersion ?? '');

  it('content not known at synth (no hash: the stack synthesized without its account), the default the latest, added by hand (review 16, R16-8): nothing deleted, SUCCESS naming what is left and how to deploy', async () => {
    process.env[DOCUMENT_HASHES_ENV] = '';
    // Version 3 is the reviewed content; someone registered an earlier content as 4 and made it the default (the latest).
    ssm.on(ListDocumentVersionsCommand).resolves({ DocumentVersions: ['1', '2', '3', '4'].map((v) => ({ Name: 'Doc', DocumentVersion: v, IsDefaultVersion: v === '4' })) });
    const { answer } = await run({});
    expect(deletes()).toEqual([]);
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      Reason:
        'nothing deleted; not deleted, the deployed content not known at synth (the stack was synthesized without its account: deploy with -c account=<id>): Doc, left startable by number: Doc:1, Doc:2, Doc:3; runbook preflight FAILs on them',
      Data: { Deleted: '0', Left: '3' },
    });
  });

  it('DeleteDocument throttled twice, then accepted: retried after 1 s and 2 s, SUCCESS with both versions deleted', async () => {
    const live = documentWithVersions();
    const throttled = awsError('ThrottlingException', 'Rate exceeded');
    deleteAnswers(live, [throttled, throttled, 'ok', 'ok']);
    const { answer, sleeps } = await run({});
    expect(answer).toMatchObject({ Status: 'SUCCESS', Reason: 'deleted 2 superseded version(s): Doc:1, Doc:2', Data: { Deleted: '2', Left: '0' } });
    expect(sleeps).toEqual([1000, 2000]);
    expect(deletes()).toEqual(['1', '1', '1', '2']);
    expect([...live]).toEqual(['3']);
  });

  it('throttled on every attempt: 5 retries (31 s of waiting), then FAILED naming the throttle and what is left', async () => {
    const live = documentWithVersions();
    deleteAnswers(live, Array.from({ length: 20 }, () => awsError('ThrottlingException', 'Rate exceeded')));
    const { answer, sleeps } = await run({});
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(answer).toMatchObject({ Status: 'FAILED', Data: { Deleted: '0', Left: '2' } });
    expect(answer.Reason).toContain('left startable by number: Doc:1, Doc:2; Doc: ThrottlingException: Rate exceeded');
  });

  it("no SSM retry that would leave less than 50 s (the stack's status read's 20 s and the answer's 30 s: review 18, R18-1)", async () => {
    const live = documentWithVersions();
    deleteAnswers(live, [awsError('ThrottlingException', 'Rate exceeded')]);
    let reads = 0;
    const { answer, sleeps } = await run({}, 50_500, () => {
      reads += 1;
      return Promise.resolve('UPDATE_IN_PROGRESS');
    });
    expect(sleeps).toEqual([]); // 50.5 s - 1 s < 50 s
    expect(reads).toBe(1);
    expect(answer).toMatchObject({ Status: 'FAILED' });
  });

  it('a version already deleted (DeleteDocument refused, the version no longer listed): done, SUCCESS saying so', async () => {
    const live = documentWithVersions();
    ssm.on(DeleteDocumentCommand).callsFake((input: { DocumentVersion?: string }) => {
      if (input.DocumentVersion === '1') {
        live.delete('1'); // deleted meanwhile by an earlier attempt or by hand
        throw awsError('InvalidDocument', 'The specified document does not exist.');
      }
      live.delete(input.DocumentVersion ?? '');
      return {};
    });
    const { answer } = await run({});
    expect(answer).toMatchObject({ Status: 'SUCCESS', Reason: 'deleted 1 superseded version(s): Doc:2; already deleted: Doc:1', Data: { Deleted: '1', Left: '0' } });
  });

  it('a forward Update meeting a non-retryable error (the version still there): FAILED with the error, no retry', async () => {
    const live = documentWithVersions();
    deleteAnswers(live, ['ok', awsError('AccessDeniedException', 'User is not authorized to perform: ssm:DeleteDocument')]);
    const { answer, sleeps } = await run({});
    expect(sleeps).toEqual([]);
    expect(answer).toMatchObject({ Status: 'FAILED', Data: { Deleted: '1', Left: '1' } });
    expect(answer.Reason).toBe(
      'superseded document versions not deleted (1 deleted: Doc:1); left startable by number: Doc:2; Doc: AccessDeniedException: User is not authorized to perform: ssm:DeleteDocument (the stack is UPDATE_IN_PROGRESS)',
    );
  });

  it("the rollback's Update (the previous template's DeployedContents, the function still the failed update's): nothing deleted or read but the versions, SUCCESS naming what is left", async () => {
    documentWithVersions();
    ssm.on(DeleteDocumentCommand).rejects(awsError('AccessDeniedException', 'would fail again'));
    const { answer } = await run({ ResourceProperties: { Documents: ['Doc'], DeployedContents: previous }, OldResourceProperties: { Documents: ['Doc'], DeployedContents: deployed } });
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '2' } });
    expect(answer.Reason).toContain(`nothing deleted: this Update's DeployedContents (${previous.slice(0, 12)}) is not the content this function was deployed with (${deployed.slice(0, 12)})`);
    expect(answer.Reason).toContain('Left startable by number: Doc:1, Doc:2.');
    expect(deletes()).toEqual([]);
    expect(ssm.commandCalls(GetDocumentCommand)).toHaveLength(0);
  });

  it('the rollback meeting a permanent error reading the versions: still SUCCESS, the document named as not read', async () => {
    ssm.on(ListDocumentVersionsCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: ssm:ListDocumentVersions'));
    const { answer, sleeps } = await run({ ResourceProperties: { Documents: ['Doc'], DeployedContents: previous } });
    expect(sleeps).toEqual([]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '1' } });
    expect(answer.Reason).toContain('Left startable by number: Doc:?; not read: Doc (AccessDeniedException: User is not authorized to perform: ssm:ListDocumentVersions)');
    expect(deletes()).toEqual([]);
  });

  it("the rollback's Update after the function's own rollback (its DeployedContents the function's, the stack UPDATE_ROLLBACK_IN_PROGRESS), the documents not rolled back yet: 254's guard deletes nothing, SUCCESS naming what is left", async () => {
    // The default is still the failed update's content (version 3), not the content this (rolled back) function deployed.
    documentWithVersions({ ...reviewed, description: 'the failed update' });
    const { answer } = await run({ OldResourceProperties: { Documents: ['Doc'], DeployedContents: previous } }, undefined, () => Promise.resolve('UPDATE_ROLLBACK_IN_PROGRESS'));
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '2' } });
    expect(answer.Reason).toContain('left startable by number: Doc:1, Doc:2; Doc: Error: the default version 3 of Doc is not the deployed content; version 2 is');
    expect(answer.Reason).toContain("Not failed: the stack's status is UPDATE_ROLLBACK_IN_PROGRESS, and a FAILED answer to CloudFormation's rollback stops the stack in UPDATE_ROLLBACK_FAILED");
    expect(deletes()).toEqual([]);
  });

  it('the same rollback meeting a permanent DeleteDocument error: SUCCESS, what was deleted and what is left named', async () => {
    const live = documentWithVersions();
    deleteAnswers(live, ['ok', awsError('AccessDeniedException', 'User is not authorized to perform: ssm:DeleteDocument')]);
    const { answer } = await run({}, undefined, () => Promise.resolve('UPDATE_ROLLBACK_IN_PROGRESS'));
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '1', Left: '1' } });
    expect(answer.Reason).toContain('(1 deleted: Doc:1); left startable by number: Doc:2; Doc: AccessDeniedException');
  });

  it("a failure whose stack status cannot be read (after retrying a throttle): not FAILED, the status's error named", async () => {
    const live = documentWithVersions();
    deleteAnswers(live, [awsError('AccessDeniedException', 'denied'), awsError('AccessDeniedException', 'denied')]);
    let reads = 0;
    const { answer, sleeps } = await run({}, undefined, () => {
      reads += 1;
      return Promise.reject(awsError(reads === 1 ? 'Throttling' : 'AccessDenied', reads === 1 ? 'Rate exceeded' : 'not authorized to perform: cloudformation:DescribeStacks'));
    });
    expect(reads).toBe(2);
    expect(sleeps).toEqual([1000]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '2' } });
    expect(answer.Reason).toContain("Not failed: the stack's status is not read (AccessDenied: not authorized to perform: cloudformation:DescribeStacks)");
  });

  it.each([
    ['a stack CloudFormation does not know (ValidationError)', 'ValidationError', `Stack with id ${stackId} does not exist`, 400],
    ['DescribeStacks refused (AccessDenied)', 'AccessDenied', 'User is not authorized to perform: cloudformation:DescribeStacks', 403],
  ] as const)("a failure, the stack's status read by the function's own reader: throttled once (retried), then %s (not retried): not FAILED, the error named", async (_case, code, message, status) => {
    const live = documentWithVersions();
    deleteAnswers(live, [awsError('AccessDeniedException', 'denied'), awsError('AccessDeniedException', 'denied')]);
    cfn.on(DescribeStacksCommand).rejectsOnce(refused('Throttling', 'Rate exceeded', 400)).rejects(refused(code, message, status));
    const { answer, sleeps } = await run({}, undefined, stackStatusReader(stackId, 'us-east-1'));
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: stackId }, { StackName: stackId }]);
    expect(sleeps).toEqual([1000]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '2' } });
    expect(answer.Reason).toContain(`Not failed: the stack's status is not read (${code}: ${message})`);
  });

  it("a failure, the stack's status read by the function's own reader as UPDATE_IN_PROGRESS: FAILED naming it", async () => {
    const live = documentWithVersions();
    deleteAnswers(live, ['ok', awsError('AccessDeniedException', 'denied')]);
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'NotificationRunbooks-production-us-east-1', StackId: stackId, CreationTime: new Date('2026-12-01T10:00:00Z'), StackStatus: 'UPDATE_IN_PROGRESS' }] });
    const { answer } = await run({}, undefined, stackStatusReader(stackId, 'us-east-1'));
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/AccessDeniedException: denied \(the stack is UPDATE_IN_PROGRESS\)$/) as string });
  });

  it.each([
    ['empty', ''],
    ['another region\'s stack', stackId.replace('us-east-1:', 'us-west-2:')],
    ['not a stack id', 'NotificationRunbooks-production-us-east-1'],
  ])('its own stack id (STACK_ID) %s (review 17, R17-5): FAILED naming it, nothing read or deleted', async (_case, value) => {
    documentWithVersions();
    process.env[STACK_ID_ENV] = value;
    const { answer } = await run({});
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: `superseded document versions not deleted: Error: STACK_ID must be this stack's id (arn:aws:cloudformation:us-east-1:<account>:stack/<name>/<uuid>); got "${value}"` });
    expect(ssm.calls()).toHaveLength(0);
  });

  // Review 17, R17-2: each attempt of a call gets at most min(20 s, the time left less what is kept after it): 30 s for
  // the answer; for an SSM call also 20 s for the stack's status read that follows (review 18, R18-1). The clock runs
  // down as Lambda's does: a call given up at its deadline has used that time.
  it('a DescribeStacks that never answers (review 17, R17-2): given up at its 20 s deadline and CloudFormation still gets its answer with 30 s left, SUCCESS "not read"', async () => {
    const live = documentWithVersions();
    deleteAnswers(live, [awsError('AccessDeniedException', 'denied'), awsError('AccessDeniedException', 'denied')]);
    const signals: Array<AbortSignal | undefined> = [];
    const { answer, sleeps, elapsedMs } = await run({}, 50_400, (signal?: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>(() => undefined);
    });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(sleeps).toEqual([]);
    expect(elapsedMs).toBe(20_000);
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '2' } });
    expect(answer.Reason).toContain("Not failed: the stack's status is not read (CallDeadlineExceeded: CloudFormation DescribeStacks did not answer within 20.0 s)");
  });

  it('an SSM call that never answers, 50.4 s left (review 17, R17-2): given up at its deadline (0.4 s, keeping 50 s), the status read, FAILED on a forward deploy naming the call', async () => {
    ssm.on(ListDocumentVersionsCommand).callsFake(() => new Promise(() => undefined));
    let reads = 0;
    const { answer, elapsedMs } = await run({}, 50_400, () => {
      reads += 1;
      return Promise.resolve('UPDATE_IN_PROGRESS');
    });
    expect(ssm.commandCalls(ListDocumentVersionsCommand)).toHaveLength(1);
    expect(reads).toBe(1);
    expect(elapsedMs).toBe(400);
    expect(answer).toMatchObject({ Status: 'FAILED', Data: { Deleted: '0', Left: '1' } });
    expect(answer.Reason).toContain('Doc: CallDeadlineExceeded: ListDocumentVersionsCommand did not answer within 0.4 s');
  });

  // Review 18, R18-1: SSM hanging across several documents used to run the SSM calls down to the answer's reserve, so the
  // status read was never started and a forward deploy that deleted nothing was answered SUCCESS "not read". On Lambda's
  // 5 minutes: Doc1's 6 attempts (20 s each, 31 s of waits) end at 151 s; Doc2's at 250 s (a 1st-4th attempt of 20 s,
  // waits of 1, 2, 4 and 8 s, a 5th of 4 s that leaves 50 s; a 6th would start after 16 s, inside the 50 s); Doc3's is
  // not started; the status read starts with 50 s left and answers at once.
  it('SSM hanging on every call for three documents, 300 s left (review 18, R18-1): the SSM calls stop with 50 s left, the status is read, FAILED on a forward deploy', async () => {
    process.env[DOCUMENT_NAMES_ENV] = 'Doc1,Doc2,Doc3';
    process.env[DOCUMENT_HASHES_ENV] = `Doc1=${reviewedHash},Doc2=${reviewedHash},Doc3=${reviewedHash}`;
    ssm.on(ListDocumentVersionsCommand).callsFake(() => new Promise(() => undefined));
    let reads = 0;
    const { answer, sleeps, elapsedMs } = await run({}, 300_000, () => {
      reads += 1;
      return Promise.resolve('UPDATE_IN_PROGRESS');
    });
    expect(ssm.commandCalls(ListDocumentVersionsCommand).map((c) => c.args[0].input.Name)).toEqual([...Array<string>(6).fill('Doc1'), ...Array<string>(5).fill('Doc2')]);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 1000, 2000, 4000, 8000]);
    expect(reads).toBe(1);
    expect(elapsedMs).toBe(250_000);
    expect(answer).toMatchObject({ Status: 'FAILED', Data: { Deleted: '0', Left: '3' } });
    expect(answer.Reason).toContain("Doc3: CallDeadlineExceeded: ListDocumentVersionsCommand not started: 50 s left, 50 s kept for the stack's status read and the answer");
    expect(answer.Reason).toMatch(/\(the stack is UPDATE_IN_PROGRESS\)$/);
  });

  it('no time left beyond the reserve (30 s): no call is started (the stack\'s status neither: not read, so not FAILED), the answer goes out at once', async () => {
    documentWithVersions();
    let reads = 0;
    const { answer, elapsedMs } = await run({}, 30_000, () => {
      reads += 1;
      return Promise.resolve('UPDATE_IN_PROGRESS');
    });
    expect(ssm.calls()).toHaveLength(0);
    expect(reads).toBe(0);
    expect(elapsedMs).toBe(0);
    expect(answer).toMatchObject({ Status: 'SUCCESS' });
    expect(answer.Reason).toContain("Doc: CallDeadlineExceeded: ListDocumentVersionsCommand not started: 30 s left, 50 s kept for the stack's status read and the answer");
    expect(answer.Reason).toContain("the stack's status is not read (CallDeadlineExceeded: CloudFormation DescribeStacks not started: 30 s left, 30 s kept for the answer)");
  });

  it('an Update with no DeployedContents (not CloudFormation): nothing deleted; Delete: nothing deleted, SUCCESS', async () => {
    documentWithVersions();
    expect((await run({ ResourceProperties: {} })).answer).toMatchObject({ Status: 'SUCCESS', Data: { Deleted: '0', Left: '2' } });
    expect((await run({ RequestType: 'Delete' })).answer).toMatchObject({ Status: 'SUCCESS', Reason: 'nothing to delete on Delete: the documents go with the stack' });
    expect(deletes()).toEqual([]);
  });
});

describe("the stack's status, read with the SDK's CloudFormation client (decisions 262, 276)", () => {

  it("asks DescribeStacks for the function's own stack and answers its StackStatus (not StackStatusReason), with the project's client settings", async () => {
    // The API Reference's DescribeStacks example, during an update's rollback.
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'NotificationRunbooks-production-us-east-1',
          StackId: stackId,
          CreationTime: new Date('2026-12-01T10:00:00Z'),
          StackStatusReason: 'The following resource(s) failed to update: [Cleanup].',
          StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
        },
      ],
    });
    expect(await stackStatusReader(stackId, 'us-west-2')()).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: stackId }]);
    // The client the reader built: the function's region, client-config.ts's attempts and adaptive retries.
    const client = cfn.call(0).thisValue as CloudFormationClient;
    const expected = clientConfig({ region: 'us-west-2' });
    expect(await client.config.region()).toBe('us-west-2');
    expect(await client.config.maxAttempts()).toBe(expected.maxAttempts);
    expect(await client.config.retryStrategy()).toMatchObject({ mode: expected.retryMode });
  });

  it.each([
    ['no stack', { Stacks: [] }],
    ['a stack without a status', { Stacks: [{ StackName: 'NotificationRunbooks-production-us-east-1', StackId: stackId, CreationTime: new Date(), StackStatus: undefined }] }],
  ])('an answer with %s is an error, never a status', async (_case, answer) => {
    cfn.on(DescribeStacksCommand).resolves(answer as DescribeStacksCommandOutput);
    await expect(readStackStatus(stackId, new CloudFormationClient({ region: 'us-east-1' }))).rejects.toThrow(`DescribeStacks of ${stackId} answered no StackStatus`);
  });
});
