// sandbox/rehearsal/script-runner.ts on a clock that does not sleep: an aws:executeScript step's own wait (time.sleep
// polls up to a time.time() deadline) runs in the test without the minutes it stands for, and the rehearsal's clock moves
// on by what the script slept. python3 runs the script (no AWS call in it); a real 540 s sleep would outlast jest's
// bound, so the figures can only come from the clock. The step's timeout is judged on the same clock (review 17, R17-3):
// a script whose clock passes it is stopped as Automation stops one that overruns.
import { runPythonScript, ScriptFailedError } from '../../../sandbox/rehearsal/script-runner';
import type { Clock } from '../../../shared/clock';

const BASE = Date.parse('2026-12-06T23:00:00Z');

function testClock(): Clock & { advanced: () => number } {
  let advanced = 0;
  return {
    now: () => new Date(BASE + advanced),
    sleep: (ms) => Promise.resolve(void (advanced += ms)),
    advanced: () => advanced,
  };
}

const WAITS = `import time


def handler(events, context):
    first = time.time()
    deadline = first + 540
    polls = 0
    while time.time() <= deadline:
        polls += 1
        time.sleep(20)
    if events.get('fail'):
        raise Exception('gave up after %d polls' % polls)
    return {'first': first, 'polls': polls, 'last': time.time()}
`;

describe('the rehearsal script runner on a clock that does not sleep', () => {
  it("gives the script the clock's time: time.time() starts at clock.now(), time.sleep() advances it at once, and the clock moves on by what was slept", async () => {
    const clock = testClock();
    const value = (await runPythonScript({ script: WAITS, handler: 'handler', payload: {}, region: 'us-east-1', timeoutSeconds: 600, clock })) as { first: number; polls: number; last: number };
    // 27 polls 20 s apart (0..520 s), then past the 540 s deadline.
    expect(value.polls).toBe(27);
    expect(value.first).toBeGreaterThanOrEqual(BASE / 1000);
    expect(value.first).toBeLessThan(BASE / 1000 + 30);
    expect(value.last - value.first).toBeGreaterThanOrEqual(540);
    expect(value.last - value.first).toBeLessThan(570);
    expect(clock.advanced()).toBe(540_000);
  });

  it("fails the step with the script's own words after its wait, and the clock still moves on by what was slept", async () => {
    const clock = testClock();
    const run = runPythonScript({ script: WAITS, handler: 'handler', payload: { fail: true }, region: 'us-east-1', timeoutSeconds: 600, clock });
    await expect(run).rejects.toThrow(new ScriptFailedError('Exception: gave up after 27 polls'));
    expect(clock.advanced()).toBe(540_000);
  });

  it("stops a script whose clock passes the step's timeout, as Automation stops one that overruns, whatever the script catches; the clock moves on by what it slept", async () => {
    const clock = testClock();
    // The script's own `except Exception` does not keep it running past the timeout.
    const script = WAITS.replace('        time.sleep(20)', '        try:\n            time.sleep(20)\n        except Exception:\n            pass');
    const run = runPythonScript({ script, handler: 'handler', payload: {}, region: 'us-east-1', timeoutSeconds: 150, clock });
    await expect(run).rejects.toThrow(new ScriptFailedError('the script ran past 150 s and was stopped'));
    // Stopped at its 8th sleep (160 s on the clock), not after its 540 s.
    expect(clock.advanced()).toBe(160_000);
  });
});
