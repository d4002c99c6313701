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
    while time.time() < deadline:
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
    // 27 polls 20 s apart (0..520 s), then at the 540 s deadline, exactly: the clock is what the script slept, none of
    // the host's own time (review 22c, R22c-5).
    expect(value).toEqual({ first: BASE / 1000, polls: 27, last: BASE / 1000 + 540 });
    expect(clock.advanced()).toBe(540_000);
  });

  it("fails the step with the script's own words after its wait, and the clock still moves on by what was slept", async () => {
    const clock = testClock();
    const run = runPythonScript({ script: WAITS, handler: 'handler', payload: { fail: true }, region: 'us-east-1', timeoutSeconds: 600, clock });
    await expect(run).rejects.toThrow(new ScriptFailedError('Exception: gave up after 27 polls'));
    expect(clock.advanced()).toBe(540_000);
  });

  // The step's timeout fires at the exact time on the clock: a script at its timeout to the second is still running, the
  // sleep that takes it past is where it stops. 150 s: stopped at its 8th sleep (160 s), not after its 540 s; 160 s: the
  // 8th sleep ends on it, the 9th (180 s) passes it. Host time on the clock would stop the second at 160 s.
  it.each([
    [150, 160_000],
    [160, 180_000],
  ])("stops a script whose clock passes the step's timeout of %i s, as Automation stops one that overruns, whatever the script catches; the clock moves on by what it slept (%i ms)", async (timeoutSeconds, stoppedAtMs) => {
    const clock = testClock();
    // The script's own `except Exception` does not keep it running past the timeout.
    const script = WAITS.replace('        time.sleep(20)', '        try:\n            time.sleep(20)\n        except Exception:\n            pass');
    const run = runPythonScript({ script, handler: 'handler', payload: {}, region: 'us-east-1', timeoutSeconds, clock });
    await expect(run).rejects.toThrow(new ScriptFailedError(`the script ran past ${timeoutSeconds} s and was stopped`));
    expect(clock.advanced()).toBe(stoppedAtMs);
  });
});
