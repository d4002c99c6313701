// The kill switch read from SSM: only "off" leaves automation on; an absent parameter fails closed, a failed read is "unread" (not a value); the short cache.
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { KillSwitch, killSwitchStateOf } from '../../../shared/guard/kill-switch';

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
  // Fails closed: only exactly "off" (whitespace around it ignored, case kept) leaves automation on.
  it.each([
    ['stays off on "off"', { value: 'off' }, false, 'is off'],
    ['stays off on "off" with stray whitespace and a newline', { value: ' off\n' }, false, 'is off'],
    ['engages on "on"', { value: 'on' }, true, 'is "on"'],
    ['engages on "stop"', { value: 'stop' }, true, 'is "stop"'],
    ['engages on "enabled"', { value: 'enabled' }, true, 'is "enabled"'],
    ['engages on "kill"', { value: 'kill' }, true, 'is "kill"'],
    ['engages on "dry-run" with stray whitespace', { value: ' dry-run\n' }, true, 'is "dry-run"'],
    ['engages on "OFF": the value is compared case-sensitively', { value: 'OFF' }, true, 'only exactly "off"'],
    ['engages on "Off"', { value: 'Off' }, true, 'is "Off"'],
    ['engages on "off." (anything but exactly off)', { value: 'off.' }, true, 'is "off."'],
    ['engages on "false", which is not "off"', { value: 'false' }, true, 'is "false"'],
    ['engages on "0"', { value: '0' }, true, 'is "0"'],
    ['engages on an empty value', { value: '' }, true, 'is ""'],
    ['engages on whitespace only', { value: '   ' }, true, 'is ""'],
    ['engages on "of f"', { value: 'of f' }, true, 'is "of f"'],
    ['stays off on "off" after CRLF and tabs (ASCII whitespace)', { value: '\t off\r\n' }, false, 'is off'],
    // Review 20a R20-5 (decision 326): whitespace no one sees they wrote is not trimmed; String.prototype.trim would have
    // read each of these as "off" and left automation on.
    ['engages on "off" after a no-break space (U+00A0)', { value: '\u00a0off' }, true, 'is "\u00a0off"'],
    ['engages on "off" after a BOM (U+FEFF)', { value: '\ufeffoff' }, true, 'is "\ufeffoff"'],
    ['engages on "off" before a line separator (U+2028)', { value: 'off\u2028' }, true, 'is "off\u2028"'],
    ['engages on "off" between ideographic spaces (U+3000)', { value: '\u3000off\u3000' }, true, 'is "\u3000off\u3000"'],
    ['engages on "off" before a vertical tab', { value: 'off\u000b' }, true, 'is "off\\u000b"'],
    ['engages on "off" before a form feed', { value: 'off\u000c' }, true, 'is "off\\f"'],
    ['engages on "off" after a zero-width space (U+200B)', { value: '\u200boff' }, true, 'is "\u200boff"'],
    ['engages on "off" before a narrow no-break space (U+202F)', { value: 'off\u202f' }, true, 'is "off\u202f"'],
    ['engages on fullwidth "ｏｆｆ"', { value: '\uff4f\uff46\uff46' }, true, 'is "\uff4f\uff46\uff46"'],
    ['engages when the parameter does not exist (fails closed)', { error: 'ParameterNotFound' }, true, 'does not exist'],
  ] as const)('%s', async (_name, answer, engaged, reason) => {
    const state = await new KillSwitch(ssmAnswering(answer).ssm, NAME, 30).read();
    expect(state).toEqual({ engaged, reason: expect.stringContaining(reason), ...('error' in answer ? { absent: true } : {}) });
  });

  // Review 13 R13-9: a change is told once per version of the switch, so the read carries what Parameter Store says of it.
  it('carries the Version and LastModifiedDate GetParameter answers with, through the cache too', async () => {
    const ssm = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    let calls = 0;
    mockClient(ssm)
      .on(GetParameterCommand)
      .callsFake(async () => {
        calls += 1;
        return { Parameter: { Name: NAME, Type: 'String', Value: 'stop', Version: 7, LastModifiedDate: new Date('2026-12-06T10:44:48.123Z') } };
      });
    const killSwitch = new KillSwitch(ssm, NAME, 30);
    const expected = { engaged: true, reason: expect.stringContaining('is "stop"'), version: 7, modifiedAt: '2026-12-06T10:44:48.123Z' };
    expect(await killSwitch.read()).toEqual(expected);
    expect(await killSwitch.read()).toEqual(expected);
    expect(calls).toBe(1);
  });

  // Not a value anyone set (decision 173): engaged, so a reader that does not ask fails closed, and marked unread, so the
  // guardrails retry instead of recording a dry run and the escalation pages anyway.
  it.each([
    ['reading is denied', 'AccessDeniedException'],
    ['SSM throttles', 'ThrottlingException'],
    ['SSM fails', 'InternalServerError'],
  ] as const)('says "could not be read", not a value, when %s', async (_name, error) => {
    const state = await new KillSwitch(ssmAnswering({ error }).ssm, NAME, 30).read();
    expect(state).toEqual({ engaged: true, unread: true, reason: `kill switch ${NAME} could not be read (${error})` });
  });

  it('never marks a value or a missing parameter as unread', async () => {
    for (const answer of [{ value: 'off' }, { value: 'stop' }, { value: '' }, { error: 'ParameterNotFound' }] as const) {
      expect(await new KillSwitch(ssmAnswering(answer).ssm, NAME, 30).read()).not.toHaveProperty('unread');
    }
  });

  it('turns automation off for no value but exactly "off" amid ASCII whitespace, over 500 generated values', () => {
    // Independent of the code: the expectation is read character by character, from the README's rule (space, tab, LF, CR
    // around "off", nothing else). Half the values are random text, half are "off" with random letters upper-cased and a
    // random pad on each side drawn from ASCII whitespace and the Unicode spaces String.prototype.trim also strips (NBSP,
    // BOM, U+2028, U+3000, VT...), so both rules' "off" are generated (the seed is fixed: the counts are exact).
    const alphabet = ['o', 'f', 'F', 'O', 'n', ' ', '\t', '\n', 'x', '-', '1', 'é', '\u00a0', '\ufeff'];
    const asciiWhitespace = [' ', '\t', '\n', '\r'];
    const unicodeSpaces = ['\u00a0', '\ufeff', '\u2028', '\u2029', '\u3000', '\u000b', '\u000c', '\u0085', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u200b'];
    let seed = 7;
    const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16);
    const pick = (list: string[]): string => list[next() % list.length] ?? '';
    const pad = (): string => Array.from({ length: next() % 3 }, () => pick(next() % 3 === 0 ? unicodeSpaces : asciiWhitespace)).join('');
    const values = Array.from({ length: 500 }, () =>
      next() % 2 === 0
        ? Array.from({ length: next() % 6 }, () => pick(alphabet)).join('')
        : pad() + [...'off'].map((letter) => (next() % 4 === 0 ? letter.toUpperCase() : letter)).join('') + pad(),
    );
    // The oracle: skip space, tab, LF and CR from each end, one character at a time; what is left must be "off".
    const isAsciiPad = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
    const leavesOn = (v: string): boolean => {
      const chars = [...v];
      let start = 0;
      let end = chars.length;
      while (start < end && isAsciiPad(chars[start])) start += 1;
      while (end > start && isAsciiPad(chars[end - 1])) end -= 1;
      return end - start === 3 && chars[start] === 'o' && chars[start + 1] === 'f' && chars[start + 2] === 'f';
    };
    const expectedOff = values.filter(leavesOn);
    // The spread of what was generated: exactly "off", "off" with ASCII whitespace around it, "off" that only
    // String.prototype.trim reads as "off" (a Unicode space around it: engaged), case variants, everything else.
    expect(expectedOff).toHaveLength(53);
    expect(expectedOff.filter((v) => v !== 'off')).toHaveLength(39);
    expect(values.filter((v) => v.trim() === 'off' && !leavesOn(v))).toHaveLength(40);
    expect(values.filter((v) => v.trim().toLowerCase() === 'off' && v.trim() !== 'off')).toHaveLength(143);
    expect(values.filter((v) => v.trim().toLowerCase() !== 'off')).toHaveLength(264);
    for (const value of values) expect({ value, engaged: killSwitchStateOf(NAME, value).engaged }).toEqual({ value, engaged: !leavesOn(value) });
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

  it('keeps "not found" (engaged) for the cache age too, so an absent switch costs no call per event', async () => {
    let nowMs = 0;
    const { ssm, calls } = ssmAnswering({ error: 'ParameterNotFound' }, { value: 'off' });
    const killSwitch = new KillSwitch(ssm, NAME, 30, () => nowMs);
    expect((await killSwitch.read()).engaged).toBe(true);
    nowMs = 29_999;
    expect((await killSwitch.read()).engaged).toBe(true);
    expect(calls()).toBe(1);
    nowMs = 30_000;
    expect((await killSwitch.read()).engaged).toBe(false);
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
