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
// their clock with time.time() (datetime.now() would read the host's).
import { spawn } from 'node:child_process';
import type { Clock } from '../../shared/clock';

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
slept = [0.0]
if request.get('clockStart') is not None:
    import time
    start, began = float(request['clockStart']), time.monotonic()
    def virtual_sleep(seconds):
        slept[0] += max(0.0, float(seconds))
    time.time = lambda: start + (time.monotonic() - began) + slept[0]
    time.sleep = virtual_sleep
try:
    exec(compile(request['script'], '<executeScript>', 'exec'), namespace)
    value = namespace[request['handler']](request['payload'], None)
    out = {'ok': True, 'value': value}
except Exception as error:
    out = {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}
out['slept'] = slept[0]
sys.stdout.write('\\n${MARKER}\\n' + json.dumps(out, default=str))
`;

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
      reject(new ScriptFailedError(`the script ran past ${run.timeoutSeconds} s and was stopped`));
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
      const answer = JSON.parse(stdout.slice(at + MARKER.length + 2)) as { ok: boolean; value?: unknown; error?: string; slept?: number };
      // The rehearsal's clock moves on by what the script slept on it (nothing on the host's clock: it slept for real).
      const caughtUp = run.clock && answer.slept ? run.clock.sleep(answer.slept * 1000) : Promise.resolve();
      void caughtUp.then(() => {
        if (answer.ok) resolve(answer.value ?? null);
        else reject(new ScriptFailedError(answer.error ?? 'the script failed'));
      }, reject);
    });
    const clockStart = run.clock ? run.clock.now().getTime() / 1000 : null;
    child.stdin.end(JSON.stringify({ script: run.script, handler: run.handler, payload: run.payload ?? {}, clockStart }));
  });
}
