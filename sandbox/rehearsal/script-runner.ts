// aws:executeScript (Python) for the rehearsal: the step's own script, run by python3 with boto3 against the sandbox.
//
// Automation runs a Python script's Handler as handler(events, context) with events = the step's InputPayload and the
// automation role's credentials; the handler's return value is the step's Payload output, and an exception fails the
// step (SSM User Guide, "aws:executeScript"). Here the script runs in a python3 child with this process's environment
// (AWS_ENDPOINT_URL: the sandbox; the rehearsing credentials) and AWS_REGION / AWS_DEFAULT_REGION set to the execution's
// region, so a client built without region_name acts in that region, as on Automation. Nothing is stubbed: the script
// makes its own boto3 calls, and a script that raises fails the step with its own words.
//
// On a rehearsal clock that does not sleep (tests, `clock` given), the script's time is that clock's: its time.time()
// starts at clock.now() and its time.sleep() advances it without waiting, and the clock is advanced by what the script
// slept once it ends, as aws:waitForAwsResourceProperty's polls advance it. A script's wait and its failure at a deadline
// then run in the test without the minutes they stand for. Only the time module is moved: the project's scripts read
// their clock with time.time() (datetime.now() would read the host's). That clock is what the script slept and what its
// calls were told they took, nothing more: the host's own time (Python, botocore building and signing requests, the
// emulator answering) is not on it, so a script's figures on it are exact and the same on any host however loaded
// (review 22c, R22c-5: it once ran on between calls at the host's speed). On that clock:
// - a call to the sandbox takes on it only the latency a fault rule of the gap proxy gives it (latencyMs), without
//   waiting: botocore's requests say so (VIRTUAL_CLOCK_HEADER), the proxy answers at once naming the latency
//   (LATENCY_HEADER), and the clock moves on by it; the emulator's own answer time is the host's load, not AWS's, and is
//   left out, so a script's budget is judged on the same figures however loaded the host is;
//   a latency at or past the client's read timeout is that timeout, then botocore's ReadTimeoutError, as a socket that
//   got no answer in time gives (the call reached moto all the same, as a request whose answer is lost may have);
//   a trickle (TRICKLE_HEADER: the answer dribbled, each piece within the read timeout) passes on it whole, no timeout;
// - each thread has its own account on it, a thread started from its starter's time: a call in a worker thread moves
//   that thread's clock only; a concurrent.futures Future is waited for until it is answered (the host's time left off)
//   and its waiter judges on the clocks whether it came in time (shared/config/dr-script-helpers.ts, Deadline.call:
//   an answer that came after its limit is not taken, and the waiter's clock ends at the limit), so a call left behind
//   costs the script its limit, not the call's whole time, as on the wall clock;
// - the step's timeout is judged on it, as Automation judges it on the wall clock: a script whose clock passes
//   timeoutSeconds is stopped there (at the sleep or proxied call that passes it), failing as a real overrun does.
import { spawn } from 'node:child_process';
import type { Clock } from '../../shared/clock';
import { LATENCY_HEADER, TRICKLE_HEADER, VIRTUAL_CLOCK_HEADER } from '../virtual-latency';

export class ScriptFailedError extends Error {
  override readonly name = 'ScriptFailedError';
}

export interface ScriptRun {
  script: string;
  handler: string;
  payload: unknown;
  region: string;
  /** Automation's limit for aws:executeScript is 600 s; the step's timeoutSeconds when lower. */
  timeoutSeconds: number;
  /** A clock that does not sleep (tests): the script's time.time()/time.sleep() are its; absent, the host's. */
  clock?: Clock;
}

const MARKER = '__REHEARSAL_SCRIPT_RESULT__';

// Reads {script, handler, payload} on stdin, runs handler(payload, None), prints the JSON result after a marker line
// (the script's own prints stay on stdout before it); a raised exception is printed the same way as {"error": ...}.
const RUNNER = `
import json, sys, traceback
request = json.load(sys.stdin)
namespace = {'__name__': 'rehearsal_script'}
class StepTimedOut(BaseException):
    # Not an Exception: the script's own except clauses do not catch it.
    pass
if request.get('clockStart') is not None:
    import concurrent.futures, threading, time
    start, limit = float(request['clockStart']), float(request['timeoutSeconds'])
    # Each thread has its own account on the clock (what it slept, its calls' latencies and trickles included), a thread
    # started from where its starter is: a call's latency moves only the clock of the thread that made it. Nothing else
    # is on it: the host's own time (Python, botocore building and signing, the emulator answering) is left off, so the
    # script's figures are the same however fast or loaded the host is (review 22c, R22c-5).
    local = threading.local()
    def account():
        if not hasattr(local, 'slept'):
            local.slept = 0.0
        return local
    def passes(seconds):
        mine = account()
        mine.slept += max(0.0, float(seconds))
        # The step's timeout is judged on the script's own (main) thread: a call left behind may run on past it.
        if threading.current_thread() is threading.main_thread() and time.time() - start > limit:
            raise StepTimedOut()
    time.time = lambda: start + account().slept
    time.sleep = passes
    real_start = threading.Thread.start
    def start_on_clock(self):
        slept = account().slept
        run = self.run
        def run_on_clock():
            account().slept = slept
            run()
        self.run = run_on_clock
        real_start(self)
    threading.Thread.start = start_on_clock
    # A Future's answer is waited for until it is there (a call told its latency answers at once), whatever the timeout
    # (the host's time spent waiting is not on the clock); whether it came in time is for the waiter to judge on the clocks.
    real_result = concurrent.futures.Future.result
    def result_on_clock(self, timeout=None):
        return real_result(self)
    concurrent.futures.Future.result = result_on_clock
    try:
        import botocore.endpoint, botocore.exceptions
    except ImportError:
        pass
    else:
        real_send = botocore.endpoint.Endpoint._send
        def send_on_clock(self, http_request):
            http_request.headers['${VIRTUAL_CLOCK_HEADER}'] = 'virtual'
            response = real_send(self, http_request)
            latency = float(response.headers.get('${LATENCY_HEADER}') or 0) / 1000
            if latency > 0:
                configured = self.http_session._timeout
                read_timeout = getattr(configured, 'read_timeout', configured)
                if isinstance(read_timeout, (int, float)) and latency >= read_timeout:
                    passes(read_timeout)
                    raise botocore.exceptions.ReadTimeoutError(endpoint_url=http_request.url, error='no answer in %s s (injected latency %s s)' % (read_timeout, latency))
                passes(latency)
            # A trickled answer: every piece within the read timeout, so none times out and the whole time passes.
            passes(float(response.headers.get('${TRICKLE_HEADER}') or 0) / 1000)
            return response
        botocore.endpoint.Endpoint._send = send_on_clock
try:
    exec(compile(request['script'], '<executeScript>', 'exec'), namespace)
    value = namespace[request['handler']](request['payload'], None)
    out = {'ok': True, 'value': value}
except StepTimedOut:
    out = {'ok': False, 'timedOut': True}
except Exception as error:
    out = {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}
out['slept'] = account().slept if request.get('clockStart') is not None else 0.0
sys.stdout.write('\\n${MARKER}\\n' + json.dumps(out, default=str))
`;

const ranPast = (timeoutSeconds: number): string => `the script ran past ${timeoutSeconds} s and was stopped`;

export function runPythonScript(run: ScriptRun): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: run.region, AWS_DEFAULT_REGION: run.region };
    // The SDK v3 reads an empty AWS_PROFILE as none; botocore looks for a profile named "" and fails (ProfileNotFound).
    if (!env.AWS_PROFILE) delete env.AWS_PROFILE;
    const child = spawn('python3', ['-c', RUNNER], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ScriptFailedError(ranPast(run.timeoutSeconds)));
    }, run.timeoutSeconds * 1000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ScriptFailedError(`python3 could not be started: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const at = stdout.lastIndexOf(`\n${MARKER}\n`);
      if (at < 0) {
        reject(new ScriptFailedError(`python3 exited ${code ?? 'by signal'} without a result: ${stderr.trim().slice(-2000)}`));
        return;
      }
      const answer = JSON.parse(stdout.slice(at + MARKER.length + 2)) as { ok: boolean; value?: unknown; error?: string; timedOut?: boolean; slept?: number };
      // The rehearsal's clock moves on by what the script slept on it (nothing on the host's clock: it slept for real).
      const caughtUp = run.clock && answer.slept ? run.clock.sleep(answer.slept * 1000) : Promise.resolve();
      void caughtUp.then(() => {
        if (answer.ok) resolve(answer.value ?? null);
        else if (answer.timedOut) reject(new ScriptFailedError(ranPast(run.timeoutSeconds)));
        else reject(new ScriptFailedError(answer.error ?? 'the script failed'));
      }, reject);
    });
    const clockStart = run.clock ? run.clock.now().getTime() / 1000 : null;
    child.stdin.end(JSON.stringify({ script: run.script, handler: run.handler, payload: run.payload ?? {}, clockStart, timeoutSeconds: run.timeoutSeconds }));
  });
}
