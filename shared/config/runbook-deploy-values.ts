// Values fixed in the runbook documents at deploy time (approvers, ladders, caps, the environment), and the substitution
// of their `${Deploy.Name}` tokens: infra renders each environment's documents with them at synth, the rehearsal and the
// linter render the same way. Pure: no I/O.
//
// `${Deploy.Name}` as a whole value becomes the value with its type (a list, a number); in a list, a whole token whose
// value is a list is spliced in; inside longer text it becomes its text. `${Deploy.Rows.Field}` repeats the list item
// that holds it once per row of Rows (a branch choice once per ladder pair); no row, no item. A whole token as a map's
// key becomes its text (a parameter or dimension named at deploy time); it must be text, and no two keys may become one.
import { alarmSpecFor, apiMetricDimensions, pascalCase, watchedApiOf } from './alarm-specs';
import { approvalTopicArnOf, automationRoleNameOf, principalArn } from './names';
import { DR_SCRIPT_HELPERS, DR_SCRIPT_HELPERS_VERSION } from './dr-script-helpers';
import { helpersUsedBy, withCompactIndentation, withoutComments } from './python-helpers';
import type { AutomationConfig, EnvironmentName } from './schema';

/**
 * Python a document's scripts share, on a line of its own in a script: each script gets only the statements its code
 * uses (python-helpers.ts), and a script that carries them is deployed without comments, under a line naming the sources
 * (review 21a, R21-1: SSM's 64 KB document limit).
 */
export interface PythonHelpers {
  readonly pythonHelpers: string;
  /** Where the commented text is, for the line above the copy. */
  readonly source: string;
}

/** A whole value, or rows that repeat the list item carrying `${Deploy.Name.Field}` tokens once per row, or Python helpers. */
export type DeployValue = string | number | boolean | readonly string[] | readonly number[] | ReadonlyArray<Readonly<Record<string, string>>> | PythonHelpers;
export type DeployValues = Readonly<Record<string, DeployValue>>;

export class DeployValueError extends Error {
  override readonly name = 'DeployValueError';
}

const TOKEN = /\$\{Deploy\.([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z][A-Za-z0-9]*))?\}/g;
const WHOLE_TOKEN = /^\$\{Deploy\.([A-Za-z][A-Za-z0-9]*)\}$/;
// Lambda's memory range (Lambda quotas, "Function memory allocation").
const LAMBDA_MIN_MEMORY_MB = 128;


/**
 * How GetAutomationExecution's ExecutedBy names a principal among the approvers (review 11b F9): an IAM user by its ARN,
 * a role by any of its sessions, `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>` (the STS ARN has
 * no path). The documents refuse, before asking anyone, an execution started by one of these: whoever starts a change
 * is never one of its approvers, and only an approver's answer counts.
 */
export function requesterApproverRows(approverArns: readonly string[]): { users: Array<Record<string, string>>; roleSessions: Array<Record<string, string>> } {
  const users: Array<Record<string, string>> = [];
  const roleSessions: Array<Record<string, string>> = [];
  for (const arn of approverArns) {
    const role = /^arn:([^:]+):iam::([^:]+):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (role) roleSessions.push({ Prefix: `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/` });
    else users.push({ Arn: arn });
  }
  return { users, roleSessions };
}

/** Where a document is deployed: the account and partition, and the region (the automation role is one per region). */
export interface DeployedWhere {
  account: string;
  partition: string;
  region?: string;
  /** The account the handler functions run in (cross-account mode: the operations account); default: `account`. */
  handlerAccount?: string;
}

/**
 * A regular expression that matches exactly `arn`. Not escaped: the account and partition may be CDK tokens (resolved at
 * deploy time) that escaping would break; the literal parts are checked to hold no regular-expression syntax instead.
 */
function exactly(arn: string, literal: string): string {
  if (!/^[A-Za-z0-9:/-]+$/.test(literal)) throw new DeployValueError(`${literal} holds characters a pattern would have to escape`);
  return `^${arn}$`;
}

/** Memory sizes a person may set by hand: multiples of the playbook's rounding from 128 MB up to the cap, and the cap. */
export function memoryLadderMb(roundUpToMb: number, maxMemoryMb: number): number[] {
  const sizes: number[] = [];
  for (let mb = Math.ceil(LAMBDA_MIN_MEMORY_MB / roundUpToMb) * roundUpToMb; mb <= maxMemoryMb; mb += roundUpToMb) sizes.push(mb);
  if (sizes.at(-1) !== maxMemoryMb) sizes.push(maxMemoryMb);
  return sizes;
}

/**
 * The values of one environment's documents. `where` is the account and partition they are deployed to: approvers given
 * as role/<name> are that account's (a CDK token is fine there). Throws when the configuration cannot make safe documents.
 */
export function runbookDeployValues(config: AutomationConfig, environment: EnvironmentName, where: DeployedWhere): DeployValues {
  const env = config.environments[environment];
  if (!env) throw new DeployValueError(`the configuration has no environment ${environment}`);
  const approvers = env.runbookApprovers;
  if (!approvers) {
    throw new DeployValueError(`environments.${environment}.runbookApprovers is not configured: the runbook documents' approvals need fixed approvers`);
  }
  const ladder = env.scaleUpDatabase.ladder;
  const upgrades = ladder.flatMap((from, i) => ladder.slice(i + 1).map((to) => ({ From: from, To: to })));
  if (upgrades.length === 0) {
    throw new DeployValueError(`environments.${environment}.scaleUpDatabase.ladder has one class (${ladder.join(', ')}): the scale-up document needs a class to go up to`);
  }
  const approverArns = approvers.principals.map((p) => principalArn(p, where));
  const requesters = requesterApproverRows(approverArns);
  const dbMode = env.mutationModeByRow?.['cpu-utilization'] ?? env.mutationMode ?? (env.autoScaling ? 'automatic' : 'report-only');
  return refuseSsmReferences({
    Environment: environment,
    Approvers: approverArns,
    MinRequiredApprovals: approvers.minRequiredApprovals,
    // The requester-is-not-an-approver check before each approval: one branch choice per approver user / role.
    ApproverUsers: requesters.users,
    ApproverRoleSessions: requesters.roleSessions,
    InstanceClassLadder: ladder,
    // Every (current, target) pair that goes up the ladder: the scale-up document's runtime check.
    InstanceClassUpgrades: upgrades,
    // Where a class change needs no approval: none where the environment changes DB classes only with approval.
    ApprovalFreeEnvironments: dbMode === 'approval' ? [] : [{ Name: environment }],
    MemorySizesMb: memoryLadderMb(env.raiseLambdaMemory.roundUpToMb, env.raiseLambdaMemory.maxMemoryMb),
    MemoryMaxMb: env.raiseLambdaMemory.maxMemoryMb,
    // The matrix's database (seed, Environment Configuration Matrix), for the DR documents (review 23b, R23b-1, R23b-7):
    // PromoteReadReplica's BackupRetentionPeriod (RDS's default is 1 day), and what FailbackToPrimary asks of the replica
    // that takes the old primary's place (its class and Multi-AZ: promotion keeps both) and the command that creates it.
    DbInstanceClass: env.dbInstanceClass,
    DbMultiAz: env.multiAz,
    DbMultiAzOption: env.multiAz ? '--multi-az' : '--no-multi-az',
    DbBackupRetentionDays: env.backupRetentionDays,
    // The project's own automation role of this account and region: the only role a failover may run as (issue 17).
    ...(where.region !== undefined ? automationRoleValues(where.partition, where.account, automationRoleNameOf(where.region)) : {}),
    // Where each aws:approve step sends its request (NotificationArn): the approval topic of this account and region.
    ...(where.region !== undefined ? { ApprovalTopicArn: approvalTopicArnOf(where.partition, where.region, where.account) } : {}),
    // The documents invoke the handlers by full ARN, in the account they run in: a name alone would be looked up in the
    // account the document runs in, which in cross-account mode has no handler (issue 17).
    ...latencyApiValues(config),
    ...queueDepthAlarmValues(config),
    ...documentAlarmNameValues(config, env.resources.functions[0]),
    // The Python the DR documents' scripts share (decision 269): the same in every environment, one text for both; each
    // script gets the parts it uses (decision 347).
    DrScriptHelpers: { pythonHelpers: DR_SCRIPT_HELPERS, source: `shared/config/dr-script-helpers.ts (v${DR_SCRIPT_HELPERS_VERSION})` },
    ...(where.region !== undefined ? { HandlerArnPrefix: `arn:${where.partition}:lambda:${where.region}:${where.handlerAccount ?? where.account}:function:` } : {}),
  });
}

/**
 * A deploy value is text fixed in the document: `{{` or `}}` in it would make Automation read a parameter or an SSM
 * reference (`{{ ssm:/secret }}`) where the configuration meant text, so none may carry them (decision 120).
 */
function refuseSsmReferences(values: DeployValues): DeployValues {
  const texts = (value: DeployValue): string[] =>
    typeof value === 'string' ? [value] : typeof value === 'number' || typeof value === 'boolean' ? [] : isPythonHelpers(value) ? [value.pythonHelpers, value.source] : (value as readonly unknown[]).flatMap((v) => (typeof v === 'string' ? [v] : typeof v === 'object' && v !== null ? Object.values(v as Record<string, string>) : []));
  for (const [name, value] of Object.entries(values)) {
    const bad = texts(value).find((text) => text.includes('{{') || text.includes('}}'));
    if (bad !== undefined) throw new DeployValueError(`the deploy value ${name} ${JSON.stringify(bad)} holds {{ or }}: Automation would read it as a parameter or SSM reference`);
  }
  return values;
}

// What the API parameter of NotificationService-CheckDbConnections accepts: a REST API's name (API Gateway's name rule,
// as the document had it), an HTTP API's id (the schema's dependencies.apis[].id form).
const API_NAME_PATTERN = '^[\\w .:/+=@-]{1,128}$';
const API_ID_PATTERN = '^[a-z0-9]{10}$';

/**
 * The dimension the High Latency alarm watches the service's API by (decision 117, the one definition infra's alarm is
 * built from): a REST API's `ApiName`, an HTTP API's `ApiId` (its configured id). NotificationService-CheckDbConnections
 * names its API parameter, finds the alarm and builds the handler's event with it (decision 120). An HTTP API without
 * its id throws the alarms' own ConfigurationError.
 */
function latencyApiValues(config: AutomationConfig): DeployValues {
  const apiName = `${config.service}-api`;
  const api = watchedApiOf(config, apiName);
  const dimensions = Object.entries(apiMetricDimensions({ apiName, api }));
  const [only] = dimensions;
  if (dimensions.length !== 1 || only === undefined) throw new DeployValueError(`the Latency alarm of ${apiName} has ${dimensions.length} dimensions: the documents expect one`);
  const [dimension, value] = only;
  const pattern = dimension === 'ApiId' ? API_ID_PATTERN : API_NAME_PATTERN;
  // The default must pass the parameter's own allowedPattern, or the document deploys with a default it refuses (or, with
  // `{{ }}` in it, one Automation resolves as a reference before any pattern is checked).
  if (!new RegExp(pattern).test(value)) {
    const field = api.type === 'http' ? api.field : 'service';
    throw new DeployValueError(`LatencyApiDefault ${JSON.stringify(value)} (from ${field}) does not match its allowedPattern ${pattern}`);
  }
  return { LatencyApiDimension: dimension, LatencyApiDefault: value, LatencyApiPattern: pattern };
}

// Stands for the queue in the depth alarm's name while the name is built; the document puts its QueueName parameter there.
const QUEUE_SLOT = 'QUEUE-NAME-SLOT';

/**
 * The queue-depth alarm's name as infra names it (alarmSpecFor, the one definition), up to the queue: "<prefix> Queue
 * Depth > <threshold>", the document adding " ({{ QueueName }})". NotificationService-ScaleConsumers reads that alarm by
 * its name with DescribeAlarms, not by position among DescribeAlarmsForMetric's alarms, whose order AWS does not document
 * and which also lists the low-water alarm (decision 185), the DR standby watch's and any other alarm on the queue's
 * depth (review 12, R12-1). A table without Queue Backup has no such value (a document naming it then fails to render).
 */
function queueDepthAlarmValues(config: AutomationConfig): DeployValues {
  const row = config.troubleshooting.find((r) => r.id === 'queue-backup');
  if (!row) return {};
  const { name } = alarmSpecFor(row, { queue: QUEUE_SLOT, functionName: '-', database: '-', apiName: '-' }, pascalCase(config.service));
  const suffix = ` (${QUEUE_SLOT})`;
  if (!name.endsWith(suffix) || name.indexOf(QUEUE_SLOT) !== name.length - suffix.length + 2) {
    throw new DeployValueError(`the queue-depth alarm's name ${JSON.stringify(name)} does not end with its queue in parentheses: the documents expect it to`);
  }
  return { QueueDepthAlarmTitle: name.slice(0, -suffix.length) };
}

// Stands for the API in the 504 alarm's name while the name is built; the document puts its ApiName parameter there.
const API_SLOT = 'API-NAME-SLOT';

/**
 * The names of the alarms the other documents that rebuild an alarm event read by name (review 12, R12-1's remainder;
 * decision 201 did ScaleConsumers), as infra names them (alarmSpecFor, the one definition), never the first of
 * DescribeAlarmsForMetric, whose order AWS does not document and which lists anyone's alarm on the same metric:
 * - `Api504AlarmTitle`: the 504 alarm's name up to its API, "<prefix> API 504 Errors > <threshold>"; the document adds
 *   " ({{ ApiName }})", the dimension the alarm watches being the API's name (TroubleshootConnectionTimeout).
 * - `LatencyAlarmName`: the High Latency alarm's whole name. Its target is the API's name while an HTTP API's alarm
 *   watches its ApiId, so the name cannot be built from the document's parameter; the environment watches one API
 *   (`<service>-api`), and the document checks that the alarm of that name watches the API its parameter names
 *   (CheckDbConnections).
 * - `MemoryAlarmTitle`: the out-of-memory alarm's name up to its function, "<prefix> Lambda Out Of Memory (...) >= <threshold>";
 *   the document adds " ({{ FunctionName }})": one alarm per function (decision 359; RaiseLambdaMemory).
 * A table without the row has no such value (a document naming it then fails to render).
 */
function documentAlarmNameValues(config: AutomationConfig, functionName: string | undefined): DeployValues {
  const prefix = pascalCase(config.service);
  const apiName = `${config.service}-api`;
  const rowOf = (id: string) => config.troubleshooting.find((r) => r.id === id);
  const values: Record<string, string> = {};
  const timeout = rowOf('connection-timeout');
  if (timeout) {
    const { name } = alarmSpecFor(timeout, { queue: '-', functionName: '-', database: '-', apiName: API_SLOT }, prefix);
    const suffix = ` (${API_SLOT})`;
    if (!name.endsWith(suffix) || name.indexOf(API_SLOT) !== name.length - suffix.length + 2) {
      throw new DeployValueError(`the 504 alarm's name ${JSON.stringify(name)} does not end with its API in parentheses: the documents expect it to`);
    }
    values.Api504AlarmTitle = name.slice(0, -suffix.length);
  }
  const latency = rowOf('high-latency');
  if (latency) values.LatencyAlarmName = alarmSpecFor(latency, { queue: '-', functionName: '-', database: '-', apiName, api: watchedApiOf(config, apiName) }, prefix).name;
  const memory = rowOf('memory-pressure');
  if (memory && functionName !== undefined) {
    const { name } = alarmSpecFor(memory, { queue: '-', functionName, database: '-', apiName }, prefix);
    const suffix = ` (${functionName})`;
    if (!name.endsWith(suffix)) throw new DeployValueError(`the out-of-memory alarm's name ${JSON.stringify(name)} does not end with its function in parentheses: the documents expect it to`);
    values.MemoryAlarmTitle = name.slice(0, -suffix.length);
  }
  return values;
}

function automationRoleValues(partition: string, account: string, roleName: string): DeployValues {
  const arn = `arn:${partition}:iam::${account}:role/${roleName}`;
  return { AutomationRoleArn: arn, AutomationRolePattern: exactly(arn, `:iam:::role/${roleName}`) };
}

function isPythonHelpers(value: DeployValue | undefined): value is PythonHelpers {
  return typeof value === 'object' && !Array.isArray(value) && typeof (value as PythonHelpers).pythonHelpers === 'string';
}

/** The script `text` with its `${Deploy.name}` line replaced by the helpers its code uses; the line must be one of its own. */
function withHelpers(text: string, name: string, helpers: PythonHelpers): string {
  const token = `\${Deploy.${name}}`;
  const lines = text.split('\n');
  const at = lines.flatMap((line, i) => (line.includes(token) ? [i] : []));
  if (at.length !== 1 || lines[at[0] as number] !== token) {
    throw new DeployValueError(`\${Deploy.${name}} (Python helpers) must be a line of its own at column 0 of a script, once: found on ${at.length} line(s)`);
  }
  const code = lines.filter((_, i) => i !== at[0]).join('\n');
  lines[at[0] as number] = helpersUsedBy(helpers.pythonHelpers, code);
  // The script is deployed as code: its comments, and the helpers', stay in the sources the line below names; its
  // indentation a quarter of theirs (withCompactIndentation: the same program in fewer bytes).
  return `# Comments: the runbook's source and ${helpers.source}\n${withCompactIndentation(withoutComments(lines.join('\n')))}`;
}

function isRows(value: DeployValue | undefined): value is ReadonlyArray<Readonly<Record<string, string>>> {
  return Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null);
}

function lookup(values: DeployValues, name: string): DeployValue {
  const value = values[name];
  if (value === undefined) throw new DeployValueError(`\${Deploy.${name}} is not a deploy-time value (known: ${Object.keys(values).join(', ')})`);
  return value;
}

/**
 * The row lists an item's `${Deploy.List.Field}` tokens name (one list per item). Nested lists repeat their own items,
 * except a branch condition's And / Or list, which belongs to its choice: the choice is what repeats.
 */
function rowListsIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    for (const match of value.matchAll(TOKEN)) if (match[2] !== undefined && match[1] !== undefined) found.add(match[1]);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      rowListsIn(key, found);
      if (Array.isArray(item)) {
        if (key === 'And' || key === 'Or') for (const condition of item) rowListsIn(condition, found);
      } else {
        rowListsIn(item, found);
      }
    }
  }
  return found;
}

function renderValue(value: unknown, values: DeployValues, row?: { list: string; fields: Readonly<Record<string, string>> }): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_TOKEN.exec(value);
    if (whole?.[1] !== undefined) {
      const found = lookup(values, whole[1]);
      if (isRows(found)) throw new DeployValueError(`\${Deploy.${whole[1]}} is a list of rows: use it as \${Deploy.${whole[1]}.Field} inside a list item`);
      if (isPythonHelpers(found)) throw new DeployValueError(`\${Deploy.${whole[1]}} is Python helpers: it can only be a line of a script`);
      return Array.isArray(found) ? [...found] : found;
    }
    // Python helpers first: which of them a script gets depends on the rest of its text.
    for (const [name, found] of Object.entries(values)) {
      if (isPythonHelpers(found) && value.includes(`\${Deploy.${name}}`)) return renderValue(withHelpers(value, name, found), values, row);
    }
    return value.replace(TOKEN, (_token, name: string, field: string | undefined) => {
      if (field !== undefined) {
        if (!row || row.list !== name) throw new DeployValueError(`\${Deploy.${name}.${field}} is outside a list item that repeats over ${name}`);
        const text = row.fields[field];
        if (text === undefined) throw new DeployValueError(`\${Deploy.${name}.${field}}: the rows of ${name} have no field ${field}`);
        return text;
      }
      const found = lookup(values, name);
      if (typeof found === 'object') throw new DeployValueError(`\${Deploy.${name}} is a list: it can only be a whole value`);
      return String(found);
    });
  }
  if (Array.isArray(value)) return renderList(value, values, row);
  if (typeof value === 'object' && value !== null) {
    const names = new Set<string>();
    const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
      const name = renderValue(key, values, row);
      if (typeof name !== 'string') throw new DeployValueError(`the key ${key} renders to ${JSON.stringify(name)}: a key must be text`);
      if (names.has(name)) throw new DeployValueError(`the key ${key} renders to ${name}, which the map already has`);
      names.add(name);
      return [name, renderValue(item, values, row)];
    });
    return Object.fromEntries(entries);
  }
  return value;
}

function renderList(list: readonly unknown[], values: DeployValues, row?: { list: string; fields: Readonly<Record<string, string>> }): unknown[] {
  const out: unknown[] = [];
  for (const item of list) {
    const lists = [...rowListsIn(item)].filter((name) => name !== row?.list);
    if (lists.length > 1) throw new DeployValueError(`one list item repeats over ${lists.join(' and ')}: one list per item`);
    const [repeat] = lists;
    if (repeat !== undefined) {
      const rows = lookup(values, repeat);
      if (!isRows(rows)) throw new DeployValueError(`\${Deploy.${repeat}.…}: ${repeat} is not a list of rows`);
      for (const fields of rows) out.push(renderValue(item, values, { list: repeat, fields }));
      continue;
    }
    // A whole token in a list whose value is a list is spliced into it: allowedValues: ['${Deploy.Ladder}'].
    const whole = typeof item === 'string' ? WHOLE_TOKEN.exec(item) : null;
    const rendered = renderValue(item, values, row);
    if (whole && Array.isArray(rendered)) out.push(...(rendered as unknown[]));
    else out.push(rendered);
  }
  return out;
}

/** The document with every `${Deploy.…}` token replaced; throws on a token it cannot fill, so nothing unrendered deploys. */
export function renderRunbookContent<T>(content: T, values: DeployValues): T {
  return renderValue(content, values) as T;
}

/** Does the document carry deploy-time tokens (so it must be rendered before it is deployed, linted or rehearsed)? */
export function hasDeployTokens(content: unknown): boolean {
  return JSON.stringify(content ?? null).includes('${Deploy.');
}
