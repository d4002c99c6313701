// The Python both DR documents' scripts share (FailoverToDR, FailbackToPrimary): which mappings on a queue are the
// consumer's, when its in-flight batches end, 248's rule for "the replica has replayed everything up to then", and the
// final traffic check's verdict (252, R16-4: an invocation without a function error and a message deleted), and the
// bounds a script that calls a slow region keeps (R17-3, R18-7; decisions 288, 295, 298: one deadline, every call limited on
// the wall clock; 315: no attempt of a call sent after its limit). One
// text, rendered into each script at its `${Deploy.DrScriptHelpers}` line (runbook-deploy-values.ts), so the two
// documents cannot judge differently. Every AWS call stays in the script itself, written there as client.method(...), where
// infra reads it to grant it (infra/lib/iam/script-actions.ts reads calls on clients the script builds, not on one passed
// in): a call limited by the deadline is passed as a lambda around that text (Deadline.call).

/**
 * The version of the contract between the text's before-send handler and its per-process call object: in the handler's
 * unique_id and in the object's attribute name on the botocore module (review 19, R19-22). Scripts rendered from two
 * texts may run in one Python process (steps of documents deployed from two versions); botocore ignores a second
 * registration under a unique_id already registered, so each version registers its own handler, reading its own object.
 * Bump it on ANY change to the object's attributes (limit_at, began, what, refusal), to what the handler reads or raises,
 * or to how Deadline.call sets them. Version 1 (decision 318, commit 9a5a468) had no suffix.
 */
export const DR_SCRIPT_HELPERS_VERSION = 2;

/** Python, top level (column 0), for the line `${Deploy.DrScriptHelpers}` of a script; no `{{` (decision 120). */
export const DR_SCRIPT_HELPERS = `import concurrent.futures as _futures
import math as _math
import threading as _threading
import time as _time
from datetime import datetime as _datetime, timedelta as _timedelta, timezone as _timezone


# The longest a call is waited for, on the wall clock (Deadline.call). 2 x (5 s to connect + 10 s to answer) + standard
# mode's backoff (under 1 s) is what bounded_config's timeouts allow when every socket operation is one: they are per
# socket read and per address tried (review 18, R18-7: an answer trickling in, each piece within 10 s, has no bound), so
# 31 s is enforced by the wait, not assumed from them.
BOUNDED_CALL_SECONDS = 31


def bounded_config():
    # A client's Config for a region that may be slow or down: short timeouts and two attempts (aws:executeScript does not
    # retry throttling by itself), so a call that gets no answer gives up early; the wall-clock limit is Deadline.call's.
    from botocore.config import Config
    return Config(connect_timeout=5, read_timeout=10, retries={'total_max_attempts': 2, 'mode': 'standard'})


class OutOfTime(Exception):
    # A call not started: the script's deadline had passed (Deadline).
    pass


class NotAnswered(Exception):
    # A call started and not answered within its limit on the wall clock: left behind, its answer never read. It may have
    # reached AWS and done its work (a disable may take effect after the script has returned): say so, never "not done".
    pass


# The limit of the call a thread makes for Deadline.call (its own thread, so one call's: calls may overlap), read by
# _no_attempt_past_limit. Unset on every other thread (the script's own calls made by hand): those are not refused.
# One object for the whole Python process, kept on the botocore module and made by the first script that loads this text
# (review 19, R19-12): if Automation runs a second step's script in the process of a first, boto3's default session keeps
# the first one's handler (botocore ignores a second registration under the same unique_id), and that handler reads this
# same object, in which the second step's calls set their limits; a call of the first step's still running sets and reads
# its own thread's entry, so it is refused at its own limit. The attribute and the handler's unique_id carry the contract's
# version (R19-22): a text of another version in the same process registers its own handler, reading its own object.
def _shared_this_call():
    import botocore
    return botocore.__dict__.setdefault('_dr_script_helpers_this_call_v${DR_SCRIPT_HELPERS_VERSION}', _threading.local())


_this_call = _shared_this_call()


class PastLimit(NotAnswered):
    # An attempt not sent (review 19, R19-2): botocore's retry loop, in a call's thread left behind, would send its next
    # attempt after the call's limit, when the script may already have answered that the call was not answered.
    pass


def _no_attempt_past_limit(**kwargs):
    # botocore's before-send event, emitted for every attempt of every call (its retries too) just before the request goes
    # on the wire, in the thread making the call: past that call's limit, raising here sends nothing. botocore takes the
    # error as the attempt's (not a retryable one) and raises it from the call. An attempt already on the wire is not
    # called back: it may still take effect, as the scripts' words say.
    # The error is the PastLimit of the script that made the call (put with its limit), not of the script whose handler
    # this is: one raised in a later step's call is that step's NotAnswered.
    limit_at = getattr(_this_call, 'limit_at', None)
    if limit_at is not None and _time.time() >= limit_at:
        refusal = getattr(_this_call, 'refusal', PastLimit)
        raise refusal('%s: no attempt sent after its %.0f s limit (one sent before it may still take effect)'
                      % (_this_call.what, limit_at - _this_call.began))


def _refuse_attempts_past_limit():
    # On boto3's default session, before the script builds any client: every client made with boto3.client(...) (the only
    # way infra lets a script call AWS: infra/lib/iam/script-actions.ts) copies the session's handlers when it is built,
    # so each one, whichever service or region, has the handler; a call not made through Deadline.call is not refused.
    import boto3
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register('before-send', _no_attempt_past_limit, unique_id='dr-script-helpers.no-attempt-past-limit.v${DR_SCRIPT_HELPERS_VERSION}')


_refuse_attempts_past_limit()


class Deadline(object):
    # One deadline for a whole script (review 17, R17-3), budget_seconds from its start, and the time by which every call
    # has answered or been left behind, answer_by = deadline + call_seconds. Called with what the script is about to do, it
    # raises OutOfTime once the deadline has passed, so that call is not made. call(what, fn) makes the call fn() (a lambda
    # around client.method(...)) only then, and waits for its answer at most min(its limit, answer_by - now) on the wall
    # clock (R18-7): the script answers within budget_seconds + call_seconds whatever the region does, never stopped at
    # its step's timeout with its outputs unset. A shorter call (seconds) may start later, while its limit ends by answer_by.
    def __init__(self, budget_seconds, call_seconds=BOUNDED_CALL_SECONDS):
        self.budget_seconds, self.call_seconds = budget_seconds, call_seconds
        self.started = _time.time()
        self.deadline = self.started + budget_seconds
        self.answer_by = self.deadline + call_seconds

    def __call__(self, what, seconds=None):
        # Before a call of at most seconds (the call's limit, call_seconds unless shorter): it starts only if that limit
        # ends by answer_by; for a call of call_seconds, only before the deadline.
        seconds = self.call_seconds if seconds is None else min(seconds, self.call_seconds)
        if _time.time() >= self.answer_by - seconds:
            if seconds == self.call_seconds:
                raise OutOfTime('no call starts later than %d s into the step: %s not attempted' % (self.budget_seconds, what))
            raise OutOfTime('no %d s call starts later than %d s into the step: %s not attempted'
                            % (seconds, self.budget_seconds + self.call_seconds - seconds, what))
        return seconds

    def call(self, what, fn, seconds=None):
        # fn() (a lambda around client.method(...)), waited for at most its limit (seconds, else call_seconds) on the
        # wall clock; not answered by then: NotAnswered, and fn's thread is left behind, sending no attempt after the limit
        # (a retry of a slow 5xx or of a slow connect would reach AWS after the script has answered; review 19, R19-2).
        seconds = self(what, seconds)
        began = _time.time()
        limit_at = min(began + seconds, self.answer_by)
        answer = _futures.Future()

        def work():
            # The answer and when it came. Nothing here touches the script's state: a call left behind changes nothing
            # the script reports (only AWS, which its words allow for). Its limit is this thread's: no attempt of it
            # (botocore's retries) is sent after it (_no_attempt_past_limit, R19-2).
            _this_call.limit_at, _this_call.began, _this_call.what, _this_call.refusal = limit_at, began, what, PastLimit
            try:
                answer.set_result((True, fn(), _time.time()))
            except BaseException as error:
                answer.set_result((False, error, _time.time()))

        # A daemon thread: one left behind holds neither the script's answer nor the interpreter's exit.
        _threading.Thread(target=work, name='call: %s' % what, daemon=True).start()
        try:
            ok, value, answered_at = answer.result(timeout=max(0.0, limit_at - _time.time()))
        except _futures.TimeoutError:
            ok, value, answered_at = None, None, None
        if answered_at is None or answered_at > limit_at:
            # Past the limit: not taken, even if it came (a clock that does not sleep learns of a late answer only after it
            # came). The wait ends at the limit: a no-op on the wall clock, the limit on such a clock.
            _time.sleep(max(0.0, limit_at - _time.time()))
            raise NotAnswered('%s: no answer in %.0f s (a call is waited for %d s at most; it may have reached AWS and taken effect, or not)'
                              % (what, limit_at - began, seconds))
        # The answer came by the limit: the script goes on from when it came (a no-op on the wall clock).
        _time.sleep(max(0.0, answered_at - _time.time()))
        if not ok:
            raise value
        return value


def deadline_of(budget_seconds, call_seconds=BOUNDED_CALL_SECONDS):
    # The script's Deadline (above): in_time = deadline_of(115); in_time('what') before a call made by hand;
    # in_time.call('what', lambda: client.method(...)) for one limited on the wall clock.
    return Deadline(budget_seconds, call_seconds)


def unanswered_said(error):
    # A read that failed or was not answered, for a step's message: its class and its first words.
    return '%s: %s' % (type(error).__name__, str(error)[:300])


def moment(text):
    # How Automation writes UpdateEventSourceMapping's LastModified as a String is not documented: epoch seconds or ISO
    # 8601 (with or without a zone, 'T' or a space) are read.
    try:
        return _datetime.fromtimestamp(float(text), _timezone.utc)
    except ValueError:
        value = _datetime.fromisoformat(text.replace('Z', '+00:00'))
        return value if value.tzinfo else value.replace(tzinfo=_timezone.utc)


def all_mappings(list_page):
    # Every page of ListEventSourceMappings: list_page(extra) makes the call, extra = {} then {'Marker': NextMarker}.
    found, extra = [], {}
    while True:
        page = list_page(extra)
        found.extend(page.get('EventSourceMappings', []))
        if not page.get('NextMarker'):
            return found
        extra = {'Marker': page['NextMarker']}


def mappings_of_function(mappings, function):
    # Listed by the queue (EventSourceArn) and kept when the mapping's FunctionArn, version or alias stripped, is the
    # function: a mapping bound to an alias or version is the function's too (as the handlers judge: functionNameFromArn).
    # arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
    return [m for m in mappings if len(m.get('FunctionArn', '').split(':')) > 6 and m['FunctionArn'].split(':')[6] == function]


def writes_end_by(disabled_at, timeout_seconds):
    # A batch handed to the function before its mapping read Disabled runs to its end: at most the function's Timeout
    # (Lambda allows 900 s). Rounded up to the second (aws:sleep's Timestamp).
    return _datetime.fromtimestamp(_math.ceil(disabled_at + timeout_seconds), _timezone.utc)


def replayed_commit_not_before(point):
    # RDS for PostgreSQL's ReplicaLag is now() - pg_last_xact_replay_timestamp() on the replica (RDS User Guide,
    # "Monitoring and tuning the replication process"): a datapoint for the minute starting at T, sampled at or after T,
    # proves the last replayed commit is no older than T - Minimum. A negative value (RDS: -1, replication not active)
    # proves nothing: None.
    if point['Minimum'] < 0:
        return None
    return point['Timestamp'] - _timedelta(seconds=point['Minimum'])


def caught_up_point(points, writes_end):
    # Decision 248: the first datapoint proving a commit replayed at or after writes_end (WAL is replayed in order, so
    # everything committed before it is on the replica), as (point, replayed), or None.
    for point in sorted(points, key=lambda p: p['Timestamp']):
        replayed = replayed_commit_not_before(point)
        if replayed is not None and replayed >= writes_end:
            return point, replayed
    return None


def latest_replayed(points):
    # The latest moment the datapoints prove the replica has replayed up to, or None when none proves anything.
    proven = [r for r in (replayed_commit_not_before(p) for p in points) if r is not None]
    return max(proven) if proven else None


def queue_name_of(event_source_arn):
    # arn:<partition>:sqs:<region>:<account>:<name>; QueueName is the only dimension of the AWS/SQS metrics. None for
    # anything else.
    parts = str(event_source_arn).split(':')
    return parts[5] if len(parts) == 6 and parts[2] == 'sqs' and parts[5] else None


def failback_differences(replica, primary, dr_region, instance_class, multi_az):
    # What keeps the failback replica from taking the old primary's place and name (review 23b, R23b-1), each named; none:
    # []. RDS places a cross-Region replica created without --db-subnet-group-name / --vpc-security-group-ids outside the
    # old primary's subnets and groups (the consumers' path to the database: Connection Timeout after the rename); the
    # seed's RDS is KMS-encrypted; promotion keeps the class and Multi-AZ (AWS advises against converting a production
    # primary to Multi-AZ: convert the replica first). The source must be a database of dr_region (an RDS ARN there).
    said = []
    source = replica.get('ReadReplicaSourceDBInstanceIdentifier') or 'none'
    if source.split(':')[2:4] != ['rds', dr_region]:
        said.append('it replicates %s, not a database in %s' % (source, dr_region))

    def subnets(db):
        group = db.get('DBSubnetGroup') or {}
        return group.get('VpcId'), sorted(s.get('SubnetIdentifier') for s in group.get('Subnets') or [])

    def placed(db):
        vpc, ids = subnets(db)
        return '%s (%s: %s)' % ((db.get('DBSubnetGroup') or {}).get('DBSubnetGroupName'), vpc, ', '.join(ids))

    def groups(db):
        return ', '.join(sorted(g.get('VpcSecurityGroupId') for g in db.get('VpcSecurityGroups') or []))

    if subnets(replica) != subnets(primary) or not subnets(primary)[1]:
        said.append("DB subnet group %s, not the old primary's %s" % (placed(replica), placed(primary)))
    if groups(replica) != groups(primary) or not groups(primary):
        said.append("VPC security groups [%s], not the old primary's [%s]" % (groups(replica), groups(primary)))
    if replica.get('StorageEncrypted') is not True:
        said.append('not encrypted (the old primary is, with %s)' % primary.get('KmsKeyId'))
    if replica.get('DBInstanceClass') != instance_class:
        said.append('class %s, not %s' % (replica.get('DBInstanceClass'), instance_class))
    if replica.get('MultiAZ') is not multi_az:
        said.append('MultiAZ %s, not %s' % (replica.get('MultiAZ'), multi_az))
    if primary.get('DBInstanceStatus') != 'available':
        said.append('the old primary is %s, not available (RDS renames only an available instance)' % primary.get('DBInstanceStatus'))
    return said


def consumers_verdict(function, queue, since, invocations, errors, deleted, reports_item_failures, waited):
    # None when the consumers are seen to work since the enable, else why not (the step's failure message). Decision 252:
    # Invocations > Errors (Lambda counts invocations that end in a function error too). R16-4: and the queue had a
    # message deleted (AWS/SQS NumberOfMessagesDeleted > 0): with ReportBatchItemFailures a function that names every
    # message in batchItemFailures ends without a function error (Errors 0) and nothing is deleted. SQS counts a delete by
    # anyone, Lambda's own after a batch succeeds among them.
    seen = 'Invocations %d, Errors %d, NumberOfMessagesDeleted %d on %s, after %s' % (invocations, errors, deleted, queue, waited)
    if invocations <= errors:
        return ('every invocation of %s since %s ended in a function error (%s): the consumers run but fail, and their '
                'messages return to the queue. Read their logs: the database endpoint they read, its credentials, its '
                'security group. Nothing is undone' % (function, since, seen))
    if deleted > 0:
        return None
    if reports_item_failures:
        why = ('its mapping reports batch item failures (ReportBatchItemFailures), and a batch whose every message is '
               'named in batchItemFailures ends without a function error but deletes nothing: the consumers run and '
               'process nothing, and their messages return to the queue. Read their logs: the database endpoint they read, '
               'its credentials, its security group')
    else:
        why = ('its mapping does not use ReportBatchItemFailures, so Lambda deletes every batch that ends without a '
               "function error: none was (the function's execution role may lack sqs:DeleteMessage on the queue)")
    return ('no message was deleted from %s since %s although %s ran without a function error (%s): %s. SQS publishes '
            'NumberOfMessagesDeleted every minute, sometimes minutes late: read it again before acting. Nothing is undone'
            % (queue, since, function, seen, why))


def verify_consumers(in_time, function, mapping_uuid, since, region, read_mapping, read_sum, read_again_seconds):
    # verifyConsumersSucceed, both documents: the consumers' mapping read (read_mapping(): GetEventSourceMapping), then
    # every read_again_seconds the three sums since the enable (read_sum(namespace, metric, dimensions, until):
    # GetMetricStatistics, Sum) until consumers_verdict passes or in_time's deadline has passed. Every read is made through
    # in_time.call (decision 298): one that fails or is not answered is made again in the next round, and the step answers
    # by the deadline + 31 s whatever Lambda or CloudWatch does, with a message saying what was not confirmed (decision
    # 313). A verdict is drawn only from one round whose three reads were all answered: sums read at different times could
    # pass a consumer whose errors came after its invocations were read.
    waited = '%d minutes' % (in_time.budget_seconds // 60)
    since_said = since.isoformat()
    mapping, unread = None, None

    def mapping_not_read():
        return Exception('NOT CONFIRMED: the consumers of %s since %s were not verified: their mapping %s was not read in %s '
                         '(%s), so neither was its queue. Read it (aws lambda get-event-source-mapping --region %s --uuid %s), '
                         "then the consumers' Invocations, Errors and the queue's NumberOfMessagesDeleted since then (aws "
                         'cloudwatch get-metric-statistics --period 60 --statistics Sum). Nothing is undone'
                         % (function, since_said, mapping_uuid, waited, unread or 'no read started', region, mapping_uuid))

    while mapping is None:
        try:
            mapping = in_time.call('reading the mapping %s' % mapping_uuid, read_mapping)
        except OutOfTime:
            raise mapping_not_read()
        except Exception as error:
            unread = unanswered_said(error)
            # No wait that ends past the deadline: the step answers by the deadline + one call's limit.
            if _time.time() >= in_time.deadline:
                raise mapping_not_read()
            _time.sleep(read_again_seconds)
    queue = queue_name_of(mapping.get('EventSourceArn', ''))
    if queue is None:
        raise Exception('mapping %s reads %s, not an SQS queue: its deletes cannot be read. Nothing is undone' % (mapping_uuid, mapping.get('EventSourceArn')))
    reports_item_failures = 'ReportBatchItemFailures' in (mapping.get('FunctionResponseTypes') or [])
    sums = [('AWS/Lambda', 'Invocations', [{'Name': 'FunctionName', 'Value': function}]),
            ('AWS/Lambda', 'Errors', [{'Name': 'FunctionName', 'Value': function}]),
            ('AWS/SQS', 'NumberOfMessagesDeleted', [{'Name': 'QueueName', 'Value': queue}])]
    # The last verdict of a round read whole, and what failed after it (or in every round, when none was).
    verdict, unread = None, None
    while True:
        until = _datetime.fromtimestamp(_time.time(), _timezone.utc) + _timedelta(minutes=10)
        try:
            counts = []
            for namespace, metric, dimensions in sums:
                answer = in_time.call('reading %s %s' % (namespace, metric), lambda n=namespace, m=metric, d=dimensions: read_sum(n, m, d, until))
                counts.append(int(sum(p['Sum'] for p in answer['Datapoints'])))
        except OutOfTime:
            break
        except Exception as error:
            unread = unanswered_said(error)
        else:
            unread = None
            verdict = consumers_verdict(function, queue, since_said, counts[0], counts[1], counts[2], reports_item_failures, waited)
            if verdict is None:
                return {'Invocations': counts[0], 'Errors': counts[1], 'MessagesDeleted': counts[2], 'QueueName': queue}
        if _time.time() >= in_time.deadline:
            break
        _time.sleep(read_again_seconds)
    if verdict is not None and unread is None:
        raise Exception(verdict)
    if verdict is not None:
        raise Exception('%s. NOT CONFIRMED since: the reads after that were not all answered (the last: %s)' % (verdict, unread))
    raise Exception('NOT CONFIRMED: the consumers of %s since %s were not verified: CloudWatch did not answer their Invocations, '
                    "Errors (AWS/Lambda) and %s's NumberOfMessagesDeleted (AWS/SQS) in one round in %s (the last read: %s). They "
                    'may well work: read the three by hand (aws cloudwatch get-metric-statistics --region %s --start-time %s '
                    '--period 60 --statistics Sum); they work when Invocations > Errors and NumberOfMessagesDeleted > 0. Nothing '
                    'is undone' % (function, since_said, queue, waited, unread or 'no read started', region, since_said))
`;
