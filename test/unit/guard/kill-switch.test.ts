// The kill switch read from SSM: engaged values, an absent parameter, failures that fail safe, and the short cache.
import type { SSMClient } from '@aws-sdk/client-ssm';
import { KillSwitch } from '../../../shared/guard/kill-switch';

type Answer = { value: string } | { error: string };

function ssmAnswering(...answers: Answer[]): Pick<SSMClient, 'send'> & { calls: number } {
  const stub = {
    calls: 0,
    send: async () => {
      const answer = answers[Math.min(stub.calls, answers.length - 1)] ?? { error: 'InternalServerError' };
      stub.calls += 1;
      if ('error' in answer) throw Object.assign(new Error(answer.error), { name: answer.error });
      return { Parameter: { Name: '/notification-runbooks/kill-switch', Type: 'String', Value: answer.value } };
    },
  };
  return stub as unknown as Pick<SSMClient, 'send'> & { calls: number };
}

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
    const state = await new KillSwitch(ssmAnswering(answer), '/notification-runbooks/kill-switch', 30).read();
    expect(state).toEqual({ engaged, reason: expect.stringContaining(reason) });
  });

  it('asks SSM again only after the cache age, absent parameter included', async () => {
    let nowMs = 0;
    const ssm = ssmAnswering({ error: 'ParameterNotFound' }, { value: 'on' });
    const killSwitch = new KillSwitch(ssm, '/notification-runbooks/kill-switch', 30, () => nowMs);
    expect((await killSwitch.read()).engaged).toBe(false);
    nowMs = 29_999;
    expect((await killSwitch.read()).engaged).toBe(false);
    expect(ssm.calls).toBe(1);
    nowMs = 30_000;
    expect((await killSwitch.read()).engaged).toBe(true);
    expect(ssm.calls).toBe(2);
  });

  it('does not keep a failed read: the next event asks again', async () => {
    const ssm = ssmAnswering({ error: 'InternalServerError' }, { value: 'off' });
    const killSwitch = new KillSwitch(ssm, '/notification-runbooks/kill-switch', 30, () => 0);
    expect((await killSwitch.read()).engaged).toBe(true);
    expect((await killSwitch.read()).engaged).toBe(false);
    expect(ssm.calls).toBe(2);
  });
});
