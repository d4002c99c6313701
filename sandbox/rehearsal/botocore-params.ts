// An aws:executeAwsApi / waitForAwsResourceProperty / assertAwsResourceProperty request checked as boto3 checks it.
//
// Automation runs those actions through Boto3 ("API operation inputs ... Type: Determined by chosen API operation"; SSM
// User Guide, automation-action-executeAwsApi), and boto3 validates a call's parameters against botocore's service model
// before sending anything (botocore.validate.ParamValidator, ParamValidationError). botocore's model is not the JS SDK's:
// Route 53's MaxItems is a string there and a number in the JS SDK v3 (review 22b, R22b-1), so a request the SDK v3
// sends, and moto answers, can be one Automation never sends. This runs botocore's own validator (the botocore installed
// with moto, as the rehearsal's script runner's boto3 is) on the request:
// - `checkWithBotocore` for many requests at once (one python3 process; the unit test over every rendered document);
// - `createBotocoreChecker` for the rehearsal: one python3 process for the run, asked before each call is sent.
// Only the validation is botocore's: the client's own parameter handlers (Route 53's "/hostedzone/" prefix stripping and
// the like) are not run, and nothing is sent.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface BotocoreRequest {
  /** The document's Service: boto3's client name (ssm, rds, route53, ...). */
  service: string;
  /** The document's Api: the operation's name (DescribeDBInstances) or boto3's method name (describe_db_instances). */
  api: string;
  /** The request's parameters, as Automation hands them to boto3 (Service, Api, PropertySelector, DesiredValues left out). */
  params: Record<string, unknown>;
}

export interface BotocoreCheck {
  /** botocore's operation name, when the service and the API are in its model. */
  operation?: string;
  /** botocore's report when it refuses the parameters ("Invalid type for parameter MaxItems, value: 2, ..."). */
  invalid?: string;
  /** The service or the API is not in botocore's model: Automation could not call it either. */
  unknown?: string;
}

// Reads one JSON request a line, answers one JSON line each (flushed: the rehearsal waits for it).
const CHECKER = `
import json, sys
import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.validate import ParamValidator
session = botocore.session.get_session()
models = {}
def check(request):
    service, api = request['service'], request['api']
    try:
        if service not in models:
            models[service] = session.get_service_model(service)
    except UnknownServiceError:
        return {'unknown': 'botocore %s has no service %r' % (botocore.__version__, service)}
    model = models[service]
    wanted = api.replace('_', '').lower()
    operation = next((name for name in model.operation_names if name == api or name.lower() == wanted), None)
    if operation is None:
        return {'unknown': 'botocore %s: %s has no operation %r' % (botocore.__version__, service, api)}
    report = ParamValidator().validate(request['params'], model.operation_model(operation).input_shape)
    if report.has_errors():
        return {'operation': operation, 'invalid': report.generate_report()}
    return {'operation': operation}
for line in sys.stdin:
    if line.strip():
        sys.stdout.write(json.dumps(check(json.loads(line))) + '\\n')
        sys.stdout.flush()
`;

const NEEDS = 'python3 with botocore (pip install boto3; moto[server] brings it)';

// The validator reads no credentials or configuration: no profile (an empty AWS_PROFILE is a profile named "" to
// botocore, ProfileNotFound), no config files.
function checkerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  delete env.AWS_PROFILE;
  delete env.AWS_DEFAULT_PROFILE;
  return env;
}

/** Checks every request with botocore's ParamValidator, in one python3 process; one answer per request, in order. */
export function checkWithBotocore(requests: readonly BotocoreRequest[]): BotocoreCheck[] {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const run = spawnSync('python3', ['-c', CHECKER], { env: checkerEnv(), input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new Error(`${NEEDS} is needed to check the requests: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`${NEEDS} is needed to check the requests: python3 exited ${run.status}: ${run.stderr.trim().slice(-2000)}`);
  const answers = run.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as BotocoreCheck);
  if (answers.length !== requests.length) throw new Error(`botocore answered ${answers.length} of ${requests.length} requests: ${run.stderr.trim().slice(-2000)}`);
  return answers;
}

export interface BotocoreChecker {
  check(request: BotocoreRequest): Promise<BotocoreCheck>;
  close(): void;
}

/**
 * One python3 process answering requests in turn, started at the first check and ended by close().
 * A checker that cannot start or dies rejects every check with why: the rehearsal then refuses the call rather than
 * send what it could not check.
 */
export function createBotocoreChecker(): BotocoreChecker {
  let child: ChildProcessWithoutNullStreams | undefined;
  let broken: Error | undefined;
  let buffered = '';
  let stderr = '';
  const waiting: Array<{ resolve: (check: BotocoreCheck) => void; reject: (error: Error) => void }> = [];
  const fail = (error: Error): void => {
    broken ??= error;
    for (const w of waiting.splice(0)) w.reject(broken);
  };
  const start = (): ChildProcessWithoutNullStreams => {
    const started = spawn('python3', ['-c', CHECKER], { env: checkerEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    started.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        if (line.trim() === '') continue;
        waiting.shift()?.resolve(JSON.parse(line) as BotocoreCheck);
      }
    });
    started.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    started.once('error', (error) => fail(new Error(`${NEEDS} is needed to check executeAwsApi requests as Automation's boto3 does: ${error.message}`)));
    started.once('close', (code) => fail(new Error(`${NEEDS} is needed to check executeAwsApi requests as Automation's boto3 does: python3 exited ${code ?? 'by signal'}: ${stderr.trim()}`)));
    // It keeps the rehearsal's process alive while a check waits for its answer; close() (end of input) ends it.
    started.stdin.on('error', () => undefined);
    return started;
  };
  return {
    check(request) {
      if (broken) return Promise.reject(broken);
      child ??= start();
      const line = `${JSON.stringify(request)}\n`;
      return new Promise<BotocoreCheck>((resolve, reject) => {
        waiting.push({ resolve, reject });
        child?.stdin.write(line);
      });
    },
    close() {
      broken ??= new Error('the botocore checker is closed');
      child?.stdin.end();
      child = undefined;
    },
  };
}
