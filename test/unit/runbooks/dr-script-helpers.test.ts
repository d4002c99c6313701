// The Python the DR documents share (shared/config/dr-script-helpers.ts), run by python3 as the documents run it: which
// mappings are the consumer's (review 16, R16-5), when its in-flight batches end and decision 248's ReplicaLag rule,
// its negative-value guard included (R16-3), the final traffic check's verdict (R16-4); and that both documents'
// scripts are rendered with it. No AWS call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getProxyFaults } from '../../../sandbox/proxy-control';
import type { Clock } from '../../../shared/clock';
import { runPythonScript } from '../../../sandbox/rehearsal/script-runner';
import { DR_SCRIPT_HELPERS, DR_SCRIPT_HELPERS_VERSION } from '../../../shared/config/dr-script-helpers';
import { helpersUsedBy, withCompactIndentation, withoutComments } from '../../../shared/config/python-helpers';
import { readRunbook } from '../../../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';
import { useUpstreamBehindGapProxy } from '../../support/upstream-behind-gap-proxy';

const DOCUMENTS = join(__dirname, '..', '..', '..', 'runbooks');
/** DynamoDB's ListTables answer the stand-in upstream gives every call the gap proxy lets through. */
const LIST_TABLES_ANSWER = '{"TableNames":["notification-service-state"]}';
type Step = { name: string; action: string; onFailure?: string; isCritical?: boolean; inputs?: { Script?: string } };

/** One helper called on the payload: datapoints' Timestamps are ISO 8601 text, as JSON carries them. */
const CALL = `${DR_SCRIPT_HELPERS}

def _points(raw):
    return [{'Timestamp': _datetime.fromisoformat(p['Timestamp']), 'Minimum': p['Minimum']} for p in raw]


def handler(events, context):
    if events['helper'] == 'caught_up_point':
        found = caught_up_point(_points(events['points']), _datetime.fromisoformat(events['writesEnd']))
        return None if found is None else {'at': found[0]['Timestamp'].isoformat(), 'replayed': found[1].isoformat()}
    if events['helper'] == 'latest_replayed':
        found = latest_replayed(_points(events['points']))
        return None if found is None else found.isoformat()
    if events['helper'] == 'mappings_of_function':
        return [m['UUID'] for m in mappings_of_function(events['mappings'], events['function'])]
    if events['helper'] == 'queue_name_of':
        return queue_name_of(events['arn'])
    if events['helper'] == 'failback_differences':
        return failback_differences(events['replica'], events['primary'], 'us-west-2', 'db.r6g.xlarge', True)
    if events['helper'] == 'consumers_verdict':
        c = events['counts']
        return consumers_verdict('notification-service-consumer', 'notification-service-queue', '2026-12-07T02:00:00+00:00', c[0], c[1], c[2], events['reports'], '9 minutes')
    if events['helper'] == 'all_mappings':
        pages = events['pages']
        asked = []
        def list_page(extra):
            asked.append(extra)
            return pages[len(asked) - 1]
        return {'uuids': [m['UUID'] for m in all_mappings(list_page)], 'asked': asked}
    if events['helper'] == 'deadline_of':
        import time
        t0 = time.time()
        in_time = deadline_of(events['budget'])
        started = []
        try:
            while True:
                in_time('call %d' % len(started))
                started.append(time.time() - t0)
                time.sleep(events['each'])
        except OutOfTime as error:
            return {'started': started, 'said': str(error)}
    if events['helper'] == 'bounded_config':
        c = bounded_config()
        return [c.connect_timeout, c.read_timeout, c.retries, BOUNDED_CALL_SECONDS]
    if events['helper'] == 'Deadline.call':
        # ListTables through the gap proxy, each limited by the deadline; what each call came to, and when (from the start).
        import time
        import boto3
        client = boto3.client('dynamodb', endpoint_url=events['endpoint'], region_name='us-east-1', aws_access_key_id='AKIAIOSFODNN7EXAMPLE',
                              aws_secret_access_key='sandbox', config=bounded_config())
        in_time = deadline_of(events['budget'], *events.get('callSeconds', []))
        said = []
        for i in range(events['calls']):
            try:
                said.append('answered %s' % in_time.call('call %d' % i, lambda: client.list_tables()['TableNames']))
            except NotAnswered as error:
                said.append('NotAnswered: %s' % error)
            except OutOfTime as error:
                said.append('OutOfTime: %s' % error)
            said[-1] += ' at %.1f' % (time.time() - in_time.started)
        # Then the script goes on this long (its own work, or Automation's next step) while a call left behind may run on.
        time.sleep(events.get('linger', 0))
        return said
    if events['helper'] == 'verify_consumers':
        # No AWS: each read answers from the plan, in order (a number: its Sum; null: an answer that comes after 10 minutes,
        # on the reading thread's clock), the mapping's reads likewise ('mapping': null hangs).
        import time
        plan, mapping_plan = list(events['reads']), list(events['mapping'])
        def answer(planned):
            if planned is None:
                time.sleep(600)
            return planned
        def read_mapping():
            found = answer(mapping_plan.pop(0) if len(mapping_plan) > 1 else mapping_plan[0])
            return {'EventSourceArn': 'arn:aws:sqs:us-west-2:123456789012:notification-service-queue', 'FunctionResponseTypes': ['ReportBatchItemFailures'], 'found': found}
        def read_sum(namespace, metric, dimensions, until):
            return {'Datapoints': [{'Sum': answer(plan.pop(0) if len(plan) > 1 else plan[0])}]}
        in_time = deadline_of(events['budget'])
        since = moment('2026-12-07T02:00:00Z')
        try:
            said = verify_consumers(in_time, 'notification-service-consumer', 'uuid-1', since, 'us-west-2', read_mapping, read_sum, 20)
        except Exception as error:
            said = 'failed: %s' % error
        return {'said': said, 'at': time.time() - in_time.started}
    return writes_end_by(events['disabledAt'], events['timeout']).isoformat()
`;
/**
 * Two DR steps' scripts in ONE Python process (review 19, R19-12: whether aws:executeScript reuses its runtime is not
 * documented): a helper text loaded for each step (the payload's helpers[0], then helpers[1]: the same text, or two
 * versions' texts, R19-22), each in a namespace of its own as a step's script is, each step making one call limited to
 * 1 s through the gap proxy and returning at once, then the process living on.
 */
const TWO_STEPS = `import time
import boto3


def handler(events, context):
    said = []

    def step(n):
        ns = {'__name__': 'step %d' % n}
        exec(compile(events['helpers'][n - 1], '<step %d>' % n, 'exec'), ns)
        client = boto3.client('dynamodb', endpoint_url=events['endpoint'], region_name='us-east-1', aws_access_key_id='AKIAIOSFODNN7EXAMPLE',
                              aws_secret_access_key='sandbox', config=ns['bounded_config']())
        in_time = ns['deadline_of'](10, 1)

        def list_tables():
            # What the call came to in its own thread, also after the step has left it behind.
            try:
                return client.list_tables()['TableNames']
            except BaseException as error:
                said.append('step %d thread: %s%s' % (n, type(error).__name__, ", this step's NotAnswered" if isinstance(error, ns['NotAnswered']) else ''))
                raise
        try:
            said.append('step %d: answered %s' % (n, in_time.call('step %d call' % n, list_tables)))
        except ns['NotAnswered'] as error:
            said.append('step %d: NotAnswered' % n)

    step(1)
    step(2)
    time.sleep(events['linger'])
    return sorted(said)
`;
const run = (payload: Record<string, unknown>) => runPythonScript({ script: CALL, handler: 'handler', payload, region: 'us-west-2', timeoutSeconds: 30 });
const fnArn = (qualifier = '') => `arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer${qualifier}`;

describe('the DR documents\' shared Python', () => {
  it("judges 248's rule on ReplicaLag Minimum: the first minute whose start minus its lag is at or after WritesEndBy; never a negative value (RDS's -1, replication not active) (review 16, R16-3)", async () => {
    const writesEnd = '2026-12-07T02:00:30+00:00';
    // -1 for the minute starting 02:01 would read as "a commit replayed at 02:01:01", after WritesEndBy: not read.
    expect(await run({ helper: 'caught_up_point', writesEnd, points: [{ Timestamp: '2026-12-07T02:01:00+00:00', Minimum: -1 }] })).toBeNull();
    expect(await run({ helper: 'latest_replayed', points: [{ Timestamp: '2026-12-07T02:01:00+00:00', Minimum: -1 }] })).toBeNull();
    // The age of a commit replayed before WritesEndBy (minute 02:01, 60 s: 02:00:00) does not count; 02:02 with 0 does.
    const points = [
      { Timestamp: '2026-12-07T02:02:00+00:00', Minimum: 0 },
      { Timestamp: '2026-12-07T02:01:00+00:00', Minimum: 60 },
      { Timestamp: '2026-12-07T02:03:00+00:00', Minimum: -1 },
    ];
    expect(await run({ helper: 'caught_up_point', writesEnd, points })).toEqual({ at: '2026-12-07T02:02:00+00:00', replayed: '2026-12-07T02:02:00+00:00' });
    expect(await run({ helper: 'caught_up_point', writesEnd, points: points.slice(1) })).toBeNull();
    expect(await run({ helper: 'latest_replayed', points })).toBe('2026-12-07T02:02:00+00:00');
  });

  it("keeps a queue's mappings that invoke the consumer under any version or alias, and no other function's (review 16, R16-5)", async () => {
    const mappings = [
      { UUID: 'plain', FunctionArn: fnArn() },
      { UUID: 'alias', FunctionArn: fnArn(':live') },
      { UUID: 'version', FunctionArn: fnArn(':7') },
      { UUID: 'other', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer-v2' },
      { UUID: 'billing', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:billing-consumer:live' },
    ];
    expect(await run({ helper: 'mappings_of_function', function: 'notification-service-consumer', mappings })).toEqual(['plain', 'alias', 'version']);
    // Every page, by NextMarker.
    const pages = [{ EventSourceMappings: [{ UUID: 'a' }], NextMarker: 'm1' }, { EventSourceMappings: [{ UUID: 'b' }] }];
    expect(await run({ helper: 'all_mappings', pages })).toEqual({ uuids: ['a', 'b'], asked: [{}, { Marker: 'm1' }] });
  });

  it.each<[string, [number, number, number], boolean, RegExp | null]>([
    ['a healthy consumer: an invocation without a function error, messages deleted', [4, 1, 20], true, null],
    ['every invocation a function error (decision 252)', [2, 2, 0], true, /^every invocation of notification-service-consumer since 2026-12-07T02:00:00\+00:00 ended in a function error \(Invocations 2, Errors 2, NumberOfMessagesDeleted 0 on notification-service-queue, after 9 minutes\): the consumers run but fail/],
    [
      'every message named in batchItemFailures: no function error, nothing deleted (review 16, R16-4)',
      [2, 0, 0],
      true,
      /^no message was deleted from notification-service-queue since 2026-12-07T02:00:00\+00:00 although notification-service-consumer ran without a function error \(Invocations 2, Errors 0, NumberOfMessagesDeleted 0 on notification-service-queue, after 9 minutes\): its mapping reports batch item failures \(ReportBatchItemFailures\), and a batch whose every message is named in batchItemFailures ends without a function error but deletes nothing: .* read it again before acting\. Nothing is undone$/,
    ],
    [
      'a mapping without ReportBatchItemFailures that deleted nothing: Lambda deletes a successful batch, so none succeeded as SQS sees it',
      [2, 0, 0],
      false,
      /\): its mapping does not use ReportBatchItemFailures, so Lambda deletes every batch that ends without a function error: none was \(the function's execution role may lack sqs:DeleteMessage on the queue\)\. SQS publishes NumberOfMessagesDeleted every minute/,
    ],
  ])("judges the consumers after the enable: %s", async (_case, counts, reports, failure) => {
    const verdict = await run({ helper: 'consumers_verdict', counts, reports });
    if (failure === null) expect(verdict).toBeNull();
    else expect(verdict).toMatch(failure);
  });

  // DescribeDBInstances' answers as RDS gives them (moto 5.2.1 carries the same fields): the old primary where the seed
  // has it (the private subnets, the database group, KMS-encrypted, the production matrix), and failback replicas.
  const subnetGroup = (name: string, vpc: string, subnets: string[]) => ({ DBSubnetGroupName: name, VpcId: vpc, Subnets: subnets.map((id) => ({ SubnetIdentifier: id, SubnetStatus: 'Active' })) });
  const OLD_PRIMARY = {
    DBInstanceIdentifier: 'notification-service-db',
    DBInstanceStatus: 'available',
    DBSubnetGroup: subnetGroup('notification-service-db-subnets', 'vpc-0a1', ['subnet-0p1', 'subnet-0p2']),
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0db', Status: 'active' }],
    StorageEncrypted: true,
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0b1d',
    DBInstanceClass: 'db.r6g.xlarge',
    MultiAZ: true,
  };
  const PLACED = {
    ...OLD_PRIMARY,
    DBInstanceIdentifier: 'notification-service-db-failback',
    ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:us-west-2:123456789012:db:notification-service-db-replica',
    // Another group of the same subnets, the groups in another order: the same place.
    DBSubnetGroup: subnetGroup('failback-subnets', 'vpc-0a1', ['subnet-0p2', 'subnet-0p1']),
  };
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ['created as the description says: nothing to name', PLACED, OLD_PRIMARY, []],
    [
      'created with the old command (review 23b, R23b-1): the default VPC, its default group, single-AZ, the source class',
      {
        ...PLACED,
        DBSubnetGroup: subnetGroup('default', 'vpc-0def', ['subnet-0d1', 'subnet-0d2', 'subnet-0d3']),
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0default', Status: 'active' }],
        DBInstanceClass: 'db.r6g.large',
        MultiAZ: false,
      },
      OLD_PRIMARY,
      [
        "DB subnet group default (vpc-0def: subnet-0d1, subnet-0d2, subnet-0d3), not the old primary's notification-service-db-subnets (vpc-0a1: subnet-0p1, subnet-0p2)",
        "VPC security groups [sg-0default], not the old primary's [sg-0db]",
        'class db.r6g.large, not db.r6g.xlarge',
        'MultiAZ False, not True',
      ],
    ],
    ['one subnet of the old primary left out', { ...PLACED, DBSubnetGroup: subnetGroup('failback-subnets', 'vpc-0a1', ['subnet-0p1']) }, OLD_PRIMARY, ["DB subnet group failback-subnets (vpc-0a1: subnet-0p1), not the old primary's notification-service-db-subnets (vpc-0a1: subnet-0p1, subnet-0p2)"]],
    ['one more security group than the old primary', { ...PLACED, VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0db' }, { VpcSecurityGroupId: 'sg-0wide' }] }, OLD_PRIMARY, ["VPC security groups [sg-0db, sg-0wide], not the old primary's [sg-0db]"]],
    ['unencrypted (a DR database that was not), the key to give named', { ...PLACED, StorageEncrypted: false, KmsKeyId: undefined }, OLD_PRIMARY, ['not encrypted (the old primary is, with arn:aws:kms:us-east-1:123456789012:key/0b1d)']],
    [
      'a replica of a database of another region, or of this one (checkNotPromoted took any arn:)',
      { ...PLACED, ReadReplicaSourceDBInstanceIdentifier: 'arn:aws:rds:eu-west-1:123456789012:db:notification-service-db-replica' },
      OLD_PRIMARY,
      ['it replicates arn:aws:rds:eu-west-1:123456789012:db:notification-service-db-replica, not a database in us-west-2'],
    ],
    ['a replica of the old primary itself', { ...PLACED, ReadReplicaSourceDBInstanceIdentifier: 'notification-service-db' }, OLD_PRIMARY, ['it replicates notification-service-db, not a database in us-west-2']],
    [
      'an old primary with no subnets or groups read: nothing to compare is a difference, not a match',
      { ...PLACED, DBSubnetGroup: undefined, VpcSecurityGroups: [] },
      { ...OLD_PRIMARY, DBSubnetGroup: undefined, VpcSecurityGroups: [] },
      ["DB subnet group None (None: ), not the old primary's None (None: )", "VPC security groups [], not the old primary's []"],
    ],
    ['an old primary that is not available (RDS renames only an available instance)', PLACED, { ...OLD_PRIMARY, DBInstanceStatus: 'modifying' }, ['the old primary is modifying, not available (RDS renames only an available instance)']],
  ])('names what keeps the failback replica from the old primary\'s place: %s', async (_case, replica, primary, said) => {
    expect(await run({ helper: 'failback_differences', replica, primary })).toEqual(said);
  });

  it("reads the queue's name from the mapping's EventSourceArn, and nothing from another source", async () => {
    expect(await run({ helper: 'queue_name_of', arn: 'arn:aws:sqs:us-west-2:123456789012:notification-service-queue' })).toBe('notification-service-queue');
    expect(await run({ helper: 'queue_name_of', arn: 'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:orders.fifo' })).toBe('orders.fifo');
    expect(await run({ helper: 'queue_name_of', arn: 'arn:aws:kinesis:us-west-2:123456789012:stream/notifications' })).toBeNull();
    expect(await run({ helper: 'queue_name_of', arn: '' })).toBeNull();
  });

  it("gives a script one deadline: a call starts only before it, the first not started is named (OutOfTime); bounded_config's timeouts and the 31 s a call is waited for (R17-3, decisions 288, 295)", async () => {
    // On a clock that does not sleep (the rehearsal's): calls every 7 s under a 20 s budget start at 0, 7, 14 s after
    // deadline_of, exactly (the host's own time between them is not on that clock); the one at 21 does not.
    let advanced = 0;
    const clock: Clock = { now: () => new Date(Date.parse('2026-12-07T02:00:00Z') + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
    expect(await runPythonScript({ script: CALL, handler: 'handler', payload: { helper: 'deadline_of', budget: 20, each: 7 }, region: 'us-west-2', timeoutSeconds: 30, clock })).toEqual({
      started: [0, 7, 14],
      said: 'no call starts later than 20 s into the step: call 3 not attempted',
    });
    expect(await run({ helper: 'bounded_config' })).toEqual([5, 10, { total_max_attempts: 2, mode: 'standard' }, 31]);
  });

  describe('limits each call on the wall clock (review 18, R18-7: botocore\'s timeouts are per socket read and per address, a trickling answer has no bound)', () => {
    const behind = useUpstreamBehindGapProxy(LIST_TABLES_ANSWER);

    it("on the wall clock (small figures): an answer trickling past the call's limit is left behind, NotAnswered, though every piece came within botocore's 10 s read timeout; the next call is answered", async () => {
      // 1 s per call; the first answer dribbled over 4 s (a piece every 200 ms), the second at once.
      behind.proxy.setFaults([{ service: 'dynamodb', times: 1, trickleMs: 4_000 }]);
      const said = (await runPythonScript({ script: CALL, handler: 'handler', payload: { helper: 'Deadline.call', endpoint: behind.proxy.endpoint, budget: 10, callSeconds: [1], calls: 2 }, region: 'us-east-1', timeoutSeconds: 30 })) as string[];
      expect(said[0]).toMatch(/^NotAnswered: call 0: no answer in 1 s \(a call is waited for 1 s at most; it may have reached AWS and taken effect, or not\) at \d+\.\d$/);
      expect(said[1]).toMatch(/^answered \['notification-service-state'\] at \d+\.\d$/);
      expect((await getProxyFaults(behind.proxy.endpoint)).map((f) => f.remaining)).toEqual([0]);
      // The call left behind reached the emulator: its work may be done although its answer was never read.
      expect(behind.reached).toHaveLength(2);
    });

    it("on a script's clock that does not sleep (the rehearsal's): a 60 s trickle costs the call's 31 s and no more, a 20 s one is answered at 20 s; no call starts after the budget, none ends after budget + 31 s", async () => {
      behind.proxy.setFaults([
        { service: 'dynamodb', times: 1, trickleMs: 60_000 },
        { service: 'dynamodb', times: 1, trickleMs: 20_000 },
        { service: 'dynamodb', times: 2, trickleMs: 60_000 },
      ]);
      let advanced = 0;
      const clock: Clock = { now: () => new Date(Date.parse('2026-12-07T02:00:00Z') + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
      const said = (await runPythonScript({ script: CALL, handler: 'handler', payload: { helper: 'Deadline.call', endpoint: behind.proxy.endpoint, budget: 60, calls: 4 }, region: 'us-east-1', timeoutSeconds: 150, clock })) as string[];
      // 0-31 left behind; 31-51 answered; 51-82 left behind; at 82 the 60 s budget has passed: not started.
      expect(said).toEqual([
        'NotAnswered: call 0: no answer in 31 s (a call is waited for 31 s at most; it may have reached AWS and taken effect, or not) at 31.0',
        "answered ['notification-service-state'] at 51.0",
        'NotAnswered: call 2: no answer in 31 s (a call is waited for 31 s at most; it may have reached AWS and taken effect, or not) at 82.0',
        'OutOfTime: no call starts later than 60 s into the step: call 3 not attempted at 82.0',
      ]);
      expect((await getProxyFaults(behind.proxy.endpoint)).map((f) => f.remaining)).toEqual([0, 0, 1]);
      expect(behind.reached).toHaveLength(3);
      // The rehearsal's clock moved by what the script waited, 82 s exactly (31 + 20 + 31: the host's own time between
      // the calls is not on it), not the 140 s of the three answers.
      expect(advanced).toBe(82_000);
    });
  });

  describe("sends no attempt of a call left behind after its limit (review 19, R19-2: botocore's retry loop runs on in the thread left behind)", () => {
    const behind = useUpstreamBehindGapProxy(LIST_TABLES_ANSWER);

    // The first attempt answered 500 (retryable in standard mode; the proxy answers it, nothing reaches the emulator)
    // dribbled past the call's limit; the second rule counts any later attempt, passed on to the emulator.
    const slow500 = (trickleMs: number) => [
      { service: 'dynamodb', times: 1, status: 500, code: 'InternalServerError', message: 'slow failure', trickleMs },
      { service: 'dynamodb', times: 1, latencyMs: 1 },
    ];

    it("on a script's clock that does not sleep: the 500 trickled over 40 s, the call left behind at 31 s; its thread's retry, due after the limit, is not sent", async () => {
      behind.proxy.setFaults(slow500(40_000));
      let advanced = 0;
      const clock: Clock = { now: () => new Date(Date.parse('2026-12-07T02:00:00Z') + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
      // On this clock the script's wait for a call ends when its thread has ended (sandbox/rehearsal/script-runner.ts), so
      // every attempt the call will ever make has been made when the script answers.
      const said = (await runPythonScript({ script: CALL, handler: 'handler', payload: { helper: 'Deadline.call', endpoint: behind.proxy.endpoint, budget: 60, calls: 1 }, region: 'us-east-1', timeoutSeconds: 150, clock })) as string[];
      expect(said).toEqual(['NotAnswered: call 0: no answer in 31 s (a call is waited for 31 s at most; it may have reached AWS and taken effect, or not) at 31.0']);
      expect((await getProxyFaults(behind.proxy.endpoint)).map((f) => f.times - f.remaining)).toEqual([1, 0]);
      expect(behind.reached).toHaveLength(0);
    });

    it("on the wall clock (the review's figures): the 500 trickled over 2.5 s, the call's limit 1 s; the script goes on 5 s more and no second attempt comes", async () => {
      behind.proxy.setFaults(slow500(2_500));
      // The retry would be due at 2.5 s + standard mode's backoff (under 1 s): the script lives to 6 s, and the proxy's
      // figures are read after its process has ended, so no thread of it can send anything later.
      const said = (await runPythonScript({ script: CALL, handler: 'handler', payload: { helper: 'Deadline.call', endpoint: behind.proxy.endpoint, budget: 10, callSeconds: [1], calls: 1, linger: 5 }, region: 'us-east-1', timeoutSeconds: 30 })) as string[];
      expect(said[0]).toMatch(/^NotAnswered: call 0: no answer in 1 s \(a call is waited for 1 s at most; it may have reached AWS and taken effect, or not\) at \d+\.\d$/);
      expect((await getProxyFaults(behind.proxy.endpoint)).map((f) => f.times - f.remaining)).toEqual([1, 0]);
      expect(behind.reached).toHaveLength(0);
    });

    /**
     * Two steps' scripts in one Python process (TWO_STEPS), each loading its text of the helpers: each step's first
     * attempt a 500 trickled over 2.5 s (the call left behind at 1 s); step 2 loads at about 1 s, while step 1's thread
     * runs on, its retry due after 2.5 s. Any attempt sent after a first passes the second rule to the emulator. Both
     * steps say NotAnswered, both threads PastLimit, and the two first attempts are all that was sent (the proxy's
     * figures read after the process has ended): each text's call made exactly 1 attempt.
     */
    async function expectNoRetryPastLimitInEitherStep(helpers: string[]): Promise<void> {
      behind.proxy.setFaults([
        { service: 'dynamodb', times: 2, status: 500, code: 'InternalServerError', message: 'slow failure', trickleMs: 2_500 },
        { service: 'dynamodb', times: 1, latencyMs: 1 },
      ]);
      const said = await runPythonScript({ script: TWO_STEPS, handler: 'handler', payload: { helpers, endpoint: behind.proxy.endpoint, linger: 5 }, region: 'us-east-1', timeoutSeconds: 30 });
      expect(said).toEqual([
        'step 1 thread: PastLimit, this step\'s NotAnswered',
        'step 1: NotAnswered',
        'step 2 thread: PastLimit, this step\'s NotAnswered',
        'step 2: NotAnswered',
      ]);
      expect((await getProxyFaults(behind.proxy.endpoint)).map((f) => f.times - f.remaining)).toEqual([2, 0]);
      expect(behind.reached).toHaveLength(0);
    }

    it("when a second step's script loads the helpers again in the same Python process (R19-12): its call's retry past the limit is refused too, as is the first step's, still running then", async () => {
      await expectNoRetryPastLimitInEitherStep([DR_SCRIPT_HELPERS, DR_SCRIPT_HELPERS]);
    });

    // The text deployed before this one (decision 318, commit 9a5a468, verbatim): its handler's unique_id and its
    // object's attribute carry no version, as any text deployed before R19-22 did.
    const V1_TEXT = readFileSync(join(__dirname, '..', '..', 'fixtures', 'dr-script-helpers', 'v1-9a5a468.py'), 'utf8');

    it.each([
      ['the previous text (v1) first, then this one', [V1_TEXT, DR_SCRIPT_HELPERS]],
      ['this text first, then the previous one (v1)', [DR_SCRIPT_HELPERS, V1_TEXT]],
    ])("when two versions' texts load in the same Python process (R19-22: %s): each registers its own handler, and no retry of either's call past its limit is sent", async (_order, helpers) => {
      expect(V1_TEXT).toContain("unique_id='dr-script-helpers.no-attempt-past-limit')");
      expect(DR_SCRIPT_HELPERS).toContain(`unique_id='dr-script-helpers.no-attempt-past-limit.v${DR_SCRIPT_HELPERS_VERSION}')`);
      // As the R19-12 case: this text's call sent exactly 1 attempt, and so did v1's.
      await expectNoRetryPastLimitInEitherStep(helpers);
    });
  });

  it.each<[string, { mapping: Array<number | null>; reads: Array<number | null> }, RegExp | Record<string, unknown>, number]>([
    ['a round not answered, the next whole and passing: passes', { mapping: [1], reads: [null, 3, 0, 5] }, { Invocations: 3, Errors: 0, MessagesDeleted: 5, QueueName: 'notification-service-queue' }, 51],
    [
      'a whole round failing, then no read answered: that verdict, and NOT CONFIRMED since',
      { mapping: [1], reads: [2, 2, 0, null] },
      /^failed: every invocation of notification-service-consumer since 2026-12-07T02:00:00\+00:00 ended in a function error \(Invocations 2, Errors 2, NumberOfMessagesDeleted 0 on notification-service-queue, after 2 minutes\): .* Nothing is undone\. NOT CONFIRMED since: the reads after that were not all answered \(the last: NotAnswered: reading AWS\/Lambda Invocations: no answer in 31 s .*\)$/,
      122,
    ],
    [
      'no read of CloudWatch answered: NOT CONFIRMED, and how to read them by hand',
      { mapping: [1], reads: [null] },
      /^failed: NOT CONFIRMED: the consumers of notification-service-consumer since 2026-12-07T02:00:00\+00:00 were not verified: CloudWatch did not answer their Invocations, Errors \(AWS\/Lambda\) and notification-service-queue's NumberOfMessagesDeleted \(AWS\/SQS\) in one round in 2 minutes \(the last read: NotAnswered: reading AWS\/Lambda Invocations: .*\)\. They may well work: read the three by hand \(aws cloudwatch get-metric-statistics --region us-west-2 --start-time 2026-12-07T02:00:00\+00:00 --period 60 --statistics Sum\); .* Nothing is undone$/,
      133,
    ],
    [
      'the mapping never read: NOT CONFIRMED, its queue unknown',
      { mapping: [null], reads: [1] },
      /^failed: NOT CONFIRMED: the consumers of notification-service-consumer since 2026-12-07T02:00:00\+00:00 were not verified: their mapping uuid-1 was not read in 2 minutes \(NotAnswered: reading the mapping uuid-1: no answer in 31 s .*\), so neither was its queue\. Read it \(aws lambda get-event-source-mapping --region us-west-2 --uuid uuid-1\), .* Nothing is undone$/,
      133,
    ],
  ])("verifyConsumersSucceed's shared loop on a script's clock, every read limited (decision 313): %s", async (_case, plan, expected, at) => {
    // Budget 120 s, 20 s between rounds: a read left behind costs its 31 s, none starts after 120 s and no wait ends past
    // it, so the script answers by 151 s: reads left behind at 0, 51, 102 s (the mapping's, or a round's first) end the
    // loop at 133 s; a whole round at 0 s and reads left behind at 20 and 71 s end it at 122 s (the next not started); a
    // round left behind at 0 s, then a passing one at 51 s.
    let advanced = 0;
    const clock: Clock = { now: () => new Date(Date.parse('2026-12-07T02:10:00Z') + advanced), sleep: (ms) => Promise.resolve(void (advanced += ms)) };
    const out = (await runPythonScript({ script: CALL, handler: 'handler', payload: { helper: 'verify_consumers', budget: 120, ...plan }, region: 'us-west-2', timeoutSeconds: 600, clock })) as { said: unknown; at: number };
    if (expected instanceof RegExp) expect(String(out.said)).toMatch(expected);
    else expect(out.said).toEqual(expected);
    expect(out.at).toBe(at);
  });

  it('ends in-flight writes the Timeout after the disable, rounded up to the second', async () => {
    expect(await run({ helper: 'writes_end_by', disabledAt: Date.parse('2026-12-07T02:00:00.200Z') / 1000, timeout: 30 })).toBe('2026-12-07T02:00:31+00:00');
  });

  it.each(['NotificationService-FailoverToDR', 'NotificationService-FailbackToPrimary'])('%s: its scripts that stop consumers or judge the replica are rendered with this text (the part each uses, decision 347), not a copy', (name) => {
    const source = (readRunbook(join(DOCUMENTS, `${name}.yaml`)).content as { mainSteps: Step[] }).mainSteps;
    const rendered = renderLoadedRunbook(readRunbook(join(DOCUMENTS, `${name}.yaml`)), projectConfig(), 'production', { account: '123456789012', partition: 'aws', region: 'us-west-2' });
    const steps = (rendered.content as { mainSteps: Step[] }).mainSteps;
    const helpersOf = (step: Step): string => {
      const own = source.find((s) => s.name === step.name)?.inputs?.Script?.replace('${Deploy.DrScriptHelpers}', '') ?? '';
      return withCompactIndentation(withoutComments(helpersUsedBy(DR_SCRIPT_HELPERS, own)));
    };
    const using = steps.filter((s) => source.find((x) => x.name === s.name)?.inputs?.Script?.includes('${Deploy.DrScriptHelpers}') && s.inputs?.Script?.includes(helpersOf(s))).map((s) => s.name);
    expect(using).toEqual(name.endsWith('FailoverToDR') ? ['stopPrimaryConsumers', 'checkReplicaCaughtUp', 'verifyConsumersSucceed'] : ['checkFailbackPlacement', 'stopDrConsumers', 'waitReplicaCaughtUp', 'countDrQueue', 'verifyConsumersSucceed']);
    // The rules live in the helpers only: no script states them again (R16-4: the traffic check's verdict either).
    for (const step of steps) expect(step.inputs?.Script?.replace(using.includes(step.name) ? helpersOf(step) : '\0', '') ?? '').not.toMatch(/timedelta\(seconds=point|list_event_source_mappings\(FunctionName|invocations <= errors|deleted > 0|class OutOfTime|Config\(connect_timeout|_futures\.|threading\./);
  });

  it("FailoverToDR: the best-effort steps before the promotion cannot stop the failover (onFailure Continue, not critical: a primary region that hangs times the step out, 150 s) (decision 255; review 16, R16-3)", () => {
    const steps = (parse(readFileSync(join(DOCUMENTS, 'NotificationService-FailoverToDR.yaml'), 'utf8')) as { mainSteps: Step[] }).mainSteps;
    const promote = steps.findIndex((s) => s.name === 'promoteReplica');
    const before = steps.slice(steps.findIndex((s) => s.name === 'approveFailover') + 1, promote);
    expect(before.map((s) => s.name)).toEqual(['stopPrimaryConsumers', 'checkPrimaryStopped', 'waitInFlightBatches', 'checkReplicaCaughtUp']);
    // Automation's defaults are onFailure Abort and isCritical true (an aws:branch does not fail on its own).
    for (const step of before.filter((s) => s.action !== 'aws:branch')) expect({ step: step.name, onFailure: step.onFailure, isCritical: step.isCritical }).toEqual({ step: step.name, onFailure: 'Continue', isCritical: false });
  });
});
