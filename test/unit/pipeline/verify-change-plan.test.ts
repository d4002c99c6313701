// The health check's pure core: its verdict, its schedule name and its input.
import { InvalidInputError } from '../../../shared/errors';
import { decideHealthVerdict, parseVerifyChangeInput, verifyScheduleName } from '../../../shared/pipeline/verify-change-plan';

describe('decideHealthVerdict', () => {
  it.each([
    ['nothing got worse', { worse: undefined, stillApplied: true }, 'healthy'],
    ['worse and the change is still in place', { worse: 'throttles appeared: 0 -> 40', stillApplied: true }, 'revert'],
    ['worse but the alarm cleared and the baseline was already restored', { worse: 'throttles appeared: 0 -> 40', stillApplied: false }, 'moved-on'],
    ['worse while the kill switch is on', { worse: 'error rate 0.4% -> 12%', stillApplied: true, held: 'kill switch: on' }, 'held'],
  ])('decides %s', (_situation, input, kind) => {
    expect(decideHealthVerdict(input).kind).toBe(kind);
  });
});

describe('verifyScheduleName', () => {
  it('is one valid Scheduler name per playbook and incident, the same on a retry', () => {
    const name = verifyScheduleName('scale-consumers', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth#2026-03-05T10:00:00.000+0000');
    expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(verifyScheduleName('scale-consumers', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth#2026-03-05T10:00:00.000+0000')).toBe(name);
    expect(verifyScheduleName('raise-lambda-memory', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth#2026-03-05T10:00:00.000+0000')).not.toBe(name);
  });
});

describe('parseVerifyChangeInput', () => {
  const valid = {
    action: 'verify-change',
    playbook: 'scale-consumers',
    incidentKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:q#2026-03-05T10:00:00.000+0000',
    changedAt: '2026-03-05T10:00:05.000Z',
    summary: 'scale consumers',
    target: { resource: { type: 'sqs-queue-consumers', id: 'q', arn: 'arn:aws:sqs:us-east-1:123456789012:q' }, queueName: 'q' },
    change: { mappings: [], reservedConcurrency: [] },
    before: { from: '2026-03-05T09:51:00.000Z', to: '2026-03-05T10:01:00.000Z', figures: { 'fn.errors': 1, 'fn.throttles': null } },
    alarm: { account: '123456789012', region: 'us-east-1' },
  };

  it('takes the Input Scheduler delivers, as an object or as JSON text', () => {
    expect(parseVerifyChangeInput(valid).playbook).toBe('scale-consumers');
    expect(parseVerifyChangeInput(JSON.stringify(valid)).before.figures['fn.throttles']).toBeNull();
  });

  it.each([
    ['an escalation timer input', { action: 'check', incidentId: 'inc-1' }],
    ['a health check without its before reading', { ...valid, before: undefined }],
    ['text that is not JSON', '{not json'],
  ])('rejects %s with a reason', (_situation, raw) => {
    expect(() => parseVerifyChangeInput(raw)).toThrow(InvalidInputError);
  });
});
