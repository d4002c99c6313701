// The kill switch read from SSM through Powertools parameters: engaged values, an absent parameter, failures that fail safe, and the short cache.
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { KillSwitch } from '../../../shared/guard/kill-switch';

type Answer = { value: string } | { error: string };
const NAME = '/notification-runbooks/kill-switch';

function ssmAnswering(...answers: Answer[]): { ssm: SSMClient; calls: () => number } {
  const ssm = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(ssm);
  let calls = 0;
  mock.on(GetParameterCommand).callsFake(async () => {
    const answer = answers[Math.min(calls, answers.length - 1)] ?? { error: 'InternalServerError' };
    calls += 1;
    if ('error' in answer) throw Object.assign(new Error(answer.error), { name: answer.error });
    return { Parameter: { Name: NAME, Type: 'String', Value: answer.value } };
  });
  return { ssm, calls: () => calls };
}

afterEach(() => jest.useRealTimers());

describe('KillSwitch', () => {
  it.each([
    ['engages on "on"', { value: 'on' }, true, 'is "on"'],
    ['engages on "dry-run" with stray whitespace', { value: ' dry-run\n' }, true, 'is "dry-run"'],
    ['stays off on "off"', { value: 'off' }, false, 'is off'],
    ['stays off for an unrecognised value', { value: 'maybe' }, false, 'is off'],
    ['stays off when the parameter does not exist', { error: 'ParameterNotFound' }, false, 'is not set'],
    ['fails safe to dry run when reading is denied', { error: 'AccessDeniedException' }, true, 'failing safe'],
    ['fails safe to dry run when SSM throttles', { error: 'ThrottlingException' }, true, 'failing safe'],
  ] as const)('%s', async (_name, answer, engaged, reason) => {
    const state = await new KillSwitch(ssmAnswering(answer).ssm, NAME, 30).read();
    expect(state).toEqual({ engaged, reason: expect.stringContaining(reason) });
  });

  it('keeps an answer for the cache age, then asks SSM again', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { ssm, calls } = ssmAnswering({ value: 'off' }, { value: 'on' });
    const killSwitch = new KillSwitch(ssm, NAME, 30);
    expect((await killSwitch.read()).engaged).toBe(false);
    jest.setSystemTime(1_000_000 + 29_000);
    expect((await killSwitch.read()).engaged).toBe(false);
    expect(calls()).toBe(1);
    jest.setSystemTime(1_000_000 + 31_000);
    expect((await killSwitch.read()).engaged).toBe(true);
    expect(calls()).toBe(2);
  });

  it('keeps "not set" for the cache age too, so an absent switch costs no call per event', async () => {
    let nowMs = 0;
    const { ssm, calls } = ssmAnswering({ error: 'ParameterNotFound' }, { value: 'on' });
    const killSwitch = new KillSwitch(ssm, NAME, 30, () => nowMs);
    expect((await killSwitch.read()).engaged).toBe(false);
    nowMs = 29_999;
    expect((await killSwitch.read()).engaged).toBe(false);
    expect(calls()).toBe(1);
    nowMs = 30_000;
    expect((await killSwitch.read()).engaged).toBe(true);
    expect(calls()).toBe(2);
  });

  it('does not keep a failed read: the next event asks again', async () => {
    const { ssm, calls } = ssmAnswering({ error: 'InternalServerError' }, { value: 'off' });
    const killSwitch = new KillSwitch(ssm, NAME, 30, () => 0);
    expect((await killSwitch.read()).engaged).toBe(true);
    expect((await killSwitch.read()).engaged).toBe(false);
    expect(calls()).toBe(2);
  });
});
