// IAM's policy size quotas, a policy's size as IAM counts it with the stack's tokens at their longest, and grants laid
// out to fit them (review 22a R22a-1/2/3; decision 368).
//
// IAM refuses, at deploy, a role whose inline policies together exceed 10,240 characters, a managed policy over 6,144,
// a trust policy over 2,048 and an 11th attached managed policy (IAM quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html:
// "Role policy size", "Managed policy size", "Role trust policy length", "Managed policies attached to an IAM role";
// "IAM doesn't count white space"). moto checks none of them. Grants grow with the configuration (queues, consumers,
// regions): a grant too large for one inline policy is laid out here in customer managed policies, each within 6,144,
// holding exactly the statements the inline policy would (a statement too large for one is split by its resources:
// same actions, same condition, a part of its resources each, so together they allow exactly what it did).
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { ManagedPolicy, Policy, PolicyDocument, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';

/** AWS: the sum of a role's inline policies ("Role policy size"; not adjustable). */
export const IAM_ROLE_INLINE_MAX_CHARS = 10_240;
/** AWS: one customer managed policy ("Managed policy size"; not adjustable). */
export const IAM_MANAGED_POLICY_MAX_CHARS = 6_144;
/** AWS default: a role's trust policy ("Role trust policy length"; adjustable by quota request, held here to the default). */
export const IAM_TRUST_POLICY_MAX_CHARS = 2_048;
/** AWS default: managed policies attached to one role (adjustable by quota request, held here to the default). */
export const IAM_MANAGED_POLICIES_PER_ROLE = 10;
/**
 * Project default: a grant stays one inline policy while it fits this, which leaves 2,048 of the role's 10,240 for its
 * other inline policies (CDK's DefaultPolicy: own logs, failure destination, key); larger, it goes to managed policies.
 */
export const INLINE_GRANT_BUDGET_CHARS = 8_192;

/**
 * The longest value each pseudo parameter takes, so a size measured with them holds in every partition and region:
 * partition aws-us-gov (10; aws-iso-b 9), a 12-digit account, region us-isof-south-1 (15), URL suffix amazonaws.com.cn (16).
 */
const LONGEST_PSEUDO: Readonly<Record<string, number>> = {
  'AWS::Partition': 10,
  'AWS::AccountId': 12,
  'AWS::Region': 15,
  'AWS::URLSuffix': 16,
  'AWS::StackName': 128,
  // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>
  'AWS::StackId': 'arn:'.length + 10 + ':cloudformation:'.length + 15 + 1 + 12 + ':stack/'.length + 128 + 1 + 36,
  'AWS::NoValue': 0,
};

/**
 * A token this module cannot bound (an import from another stack, an attribute it does not know) counts as 2,048
 * characters, the longest ARN IAM's API accepts: a policy with one is measured larger than it can be, never smaller.
 */
export const UNBOUNDED_TOKEN_CHARS = 2_048;

/** Names CloudFormation generates when the template gives none, at the longest each service accepts. */
const LONGEST_NAME: Readonly<Record<string, number>> = {
  'AWS::IAM::Role': 64,
  'AWS::Lambda::Function': 64,
  'AWS::SQS::Queue': 80,
  'AWS::SNS::Topic': 256,
  'AWS::DynamoDB::Table': 255,
  'AWS::Logs::LogGroup': 512,
  'AWS::Events::EventBus': 256,
  'AWS::Events::Rule': 64,
  'AWS::SSM::Parameter': 2048,
  'AWS::SSM::Document': 128,
  'AWS::Scheduler::ScheduleGroup': 64,
  'AWS::CloudWatch::Alarm': 255,
};
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::SSM::Document': 'Name',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
};
const KEY_ID_CHARS = 36;

type Rendered = { Type?: string; Properties?: Record<string, unknown> };

/**
 * A resource as the template will hold it (property overrides applied, as trustExactly's), tokens resolved to
 * intrinsics: CfnResource._toCloudFormation, which synthesis itself calls (declared in aws-cdk-lib's typings, internal).
 */
export function renderedResource(resource: CfnResource): Rendered {
  const stack = Stack.of(resource);
  const out = stack.resolve((resource as unknown as { _toCloudFormation(): { Resources: Record<string, Rendered> } })._toCloudFormation()) as { Resources: Record<string, Rendered> };
  return Object.values(out.Resources)[0] ?? {};
}

const resourcesByLogicalId = new WeakMap<Stack, Map<string, CfnResource>>();
function resourceOf(stack: Stack, logicalId: string): CfnResource | undefined {
  const index = (): Map<string, CfnResource> => {
    const byId = new Map<string, CfnResource>();
    for (const c of stack.node.findAll()) if (CfnResource.isCfnResource(c) && Stack.of(c) === stack) byId.set(String(stack.resolve(c.logicalId)), c);
    resourcesByLogicalId.set(stack, byId);
    return byId;
  };
  // Indexed once, again when a resource added since (a grant laid out during construction measures the stack so far).
  return resourcesByLogicalId.get(stack)?.get(logicalId) ?? index().get(logicalId);
}

/** The longest the physical name of `logicalId` can be: its literal name (tokens at their longest), or the longest generated. */
function nameChars(stack: Stack, logicalId: string): { type: string; chars: number; pathSet: boolean } | undefined {
  const resource = resourceOf(stack, logicalId);
  if (!resource) return undefined;
  const rendered = renderedResource(resource);
  const type = rendered.Type ?? resource.cfnResourceType;
  const property = NAME_PROPERTY[type];
  const named = property ? rendered.Properties?.[property] : undefined;
  const pathSet = rendered.Properties?.Path !== undefined;
  if (named !== undefined) return { type, chars: valueChars(stack, named), pathSet };
  return { type, chars: LONGEST_NAME[type] ?? UNBOUNDED_TOKEN_CHARS, pathSet };
}

// arn:<partition>:<service>:<region>:<account>: — the common head of a regional ARN, at its longest.
const arnHead = (service: string, regional = true): number => 'arn:'.length + 10 + 1 + service.length + 1 + (regional ? 15 : 0) + 1 + 12 + 1;

function refChars(stack: Stack, target: string): number {
  const pseudo = LONGEST_PSEUDO[target];
  if (pseudo !== undefined) return target === 'AWS::Region' && !Token.isUnresolved(stack.region) ? stack.region.length : pseudo;
  const named = nameChars(stack, target);
  if (!named) return UNBOUNDED_TOKEN_CHARS;
  switch (named.type) {
    case 'AWS::SNS::Topic':
      return arnHead('sns') + named.chars;
    case 'AWS::SQS::Queue':
      return 'https://sqs.'.length + 15 + 1 + 16 + 1 + 12 + 1 + named.chars;
    case 'AWS::KMS::Key':
      return KEY_ID_CHARS;
    default:
      return NAME_PROPERTY[named.type] ? named.chars : UNBOUNDED_TOKEN_CHARS;
  }
}

function getAttChars(stack: Stack, target: string, attribute: string): number {
  const named = nameChars(stack, target);
  if (!named || attribute !== 'Arn') return UNBOUNDED_TOKEN_CHARS;
  const n = named.chars;
  switch (named.type) {
    case 'AWS::IAM::Role':
      // arn:<partition>:iam::<account>:role/<name> with the default path "/"; a role given a path is not bounded here.
      return named.pathSet ? UNBOUNDED_TOKEN_CHARS : arnHead('iam', false) + 'role/'.length + n;
    case 'AWS::Lambda::Function':
      return arnHead('lambda') + 'function:'.length + n;
    case 'AWS::SQS::Queue':
      return arnHead('sqs') + n;
    case 'AWS::DynamoDB::Table':
      return arnHead('dynamodb') + 'table/'.length + n;
    case 'AWS::Logs::LogGroup':
      return arnHead('logs') + 'log-group:'.length + n + ':*'.length;
    case 'AWS::Events::EventBus':
      return arnHead('events') + 'event-bus/'.length + n;
    case 'AWS::KMS::Key':
      return arnHead('kms') + 'key/'.length + KEY_ID_CHARS;
    case 'AWS::Scheduler::ScheduleGroup':
      return arnHead('scheduler') + 'schedule-group/'.length + n;
    case 'AWS::CloudWatch::Alarm':
      return arnHead('cloudwatch') + 'alarm:'.length + n;
    case 'AWS::SSM::Document':
      return arnHead('ssm') + 'document/'.length + n;
    default:
      return UNBOUNDED_TOKEN_CHARS;
  }
}

/** The longest a string-valued intrinsic can be once CloudFormation resolves it. */
function intrinsicChars(stack: Stack, fn: string, arg: unknown): number | undefined {
  switch (fn) {
    case 'Ref':
      return refChars(stack, String(arg));
    case 'Fn::GetAtt': {
      const [id, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
      return getAttChars(stack, id, attribute);
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.reduce<number>((n, part) => n + stringChars(stack, part), 0) + separator.length * Math.max(0, parts.length - 1);
    }
    case 'Fn::Sub': {
      const [text, vars] = (typeof arg === 'string' ? [arg, {}] : arg) as [string, Record<string, unknown>];
      let chars = 0;
      let last = 0;
      for (const m of text.matchAll(/\$\{([^}!]+)\}/g)) {
        chars += m.index - last;
        last = m.index + m[0].length;
        const name = m[1] as string;
        if (name in vars) chars += stringChars(stack, vars[name]);
        else if (name.includes('.')) chars += getAttChars(stack, name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1));
        else chars += refChars(stack, name);
      }
      return chars + text.length - last;
    }
    default:
      return fn.startsWith('Fn::') ? UNBOUNDED_TOKEN_CHARS : undefined;
  }
}

/** A string value's length as JSON text content (escapes counted), intrinsics at their longest. */
function stringChars(stack: Stack, value: unknown): number {
  if (typeof value === 'string') return JSON.stringify(value).length - 2;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const chars = intrinsicChars(stack, keys[0] as string, (value as Record<string, unknown>)[keys[0] as string]);
      if (chars !== undefined) return chars;
    }
  }
  return JSON.stringify(value).length;
}

/**
 * The characters of `value` (resolved: literals and CloudFormation intrinsics) as IAM counts them: compact JSON, so no
 * whitespace outside strings; whitespace inside a string is counted (IAM may or may not: counting it can only overstate),
 * each intrinsic at the longest its value can be (pseudo parameters above; a named resource's name; an unnamed one's
 * longest generated name; anything else UNBOUNDED_TOKEN_CHARS).
 */
export function valueChars(stack: Stack, value: unknown): number {
  if (Array.isArray(value)) return 2 + value.reduce<number>((n, v) => n + valueChars(stack, v), 0) + Math.max(0, value.length - 1);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0] as [string, unknown];
      const chars = intrinsicChars(stack, fn, arg);
      if (chars !== undefined) return chars + 2; // a string: its quotes
    }
    return 2 + entries.reduce((n, [k, v]) => n + JSON.stringify(k).length + 1 + valueChars(stack, v), 0) + Math.max(0, entries.length - 1);
  }
  return JSON.stringify(value ?? null).length;
}

/** A policy document's size as IAM counts it (valueChars), its tokens resolved in `stack`. */
export function policyChars(stack: Stack, document: unknown): number {
  return valueChars(stack, stack.resolve(document));
}

const statementsChars = (stack: Stack, statements: readonly PolicyStatement[]): number => policyChars(stack, new PolicyDocument({ statements: [...statements] }));

/** The statement's resources (one listed, or none), and a copy of it naming `resources` under `sid`. */
function resourcesOf(statement: PolicyStatement): { json: Record<string, unknown>; resources: unknown[] } {
  const json = statement.toStatementJson() as Record<string, unknown>;
  const resource = json.Resource;
  return { json, resources: resource === undefined ? [] : Array.isArray(resource) ? resource : [resource] };
}
const withResources = (json: Record<string, unknown>, sid: unknown, resources: unknown[]): PolicyStatement =>
  PolicyStatement.fromJson({ ...json, ...(sid !== undefined ? { Sid: sid } : {}), Resource: resources.length === 1 ? resources[0] : resources });

/**
 * Lays `statements` out, in order, in documents of at most `maxChars` each. A statement goes whole into the current
 * document, or whole into a new one; only one too large for any document alone is split by its resources (same Sid
 * for its first part, then SidPart2, SidPart3, ...; same actions and condition), its first part filling the current one.
 */
export function chunkStatements(stack: Stack, statements: readonly PolicyStatement[], maxChars: number, where: string): PolicyStatement[][] {
  const chunks: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  const fits = (candidate: PolicyStatement, into: PolicyStatement[]): boolean => statementsChars(stack, [...into, candidate]) <= maxChars;
  const close = (): void => {
    if (current.length > 0) chunks.push(current);
    current = [];
  };
  for (const statement of statements) {
    if (fits(statement, current)) {
      current.push(statement);
      continue;
    }
    if (fits(statement, [])) {
      close();
      current.push(statement);
      continue;
    }
    const { json, resources } = resourcesOf(statement);
    const sid = json.Sid;
    let part = 0;
    let taken: unknown[] = [];
    const partOf = (rs: unknown[]): PolicyStatement => withResources(json, sid === undefined ? undefined : part === 0 ? sid : `${String(sid)}Part${part + 1}`, rs);
    for (const r of resources) {
      if (fits(partOf([...taken, r]), current)) {
        taken.push(r);
        continue;
      }
      if (taken.length > 0) {
        current.push(partOf(taken));
        part += 1;
        taken = [];
      }
      close();
      if (!fits(partOf([r]), current)) throw new Error(`${where}: statement ${String(sid ?? '(no Sid)')} names a resource too long for a policy of ${maxChars} characters even alone`);
      taken.push(r);
    }
    if (taken.length > 0) current.push(partOf(taken));
  }
  close();
  return chunks;
}

/**
 * Attaches `statements` to `role`: one inline Policy `id` while the grant fits INLINE_GRANT_BUDGET_CHARS (worst case);
 * else customer managed policies `id`/Part1..n, filled in statement order, each within IAM_MANAGED_POLICY_MAX_CHARS
 * (chunkStatements). Throws when more than IAM_MANAGED_POLICIES_PER_ROLE would be
 * needed. Returns the construct holding the policies (cdk-nag acknowledgements go there).
 */
export function attachFittedPolicies(scope: Construct, id: string, role: IRole, statements: readonly PolicyStatement[]): IConstruct {
  const stack = Stack.of(scope);
  if (statementsChars(stack, statements) <= INLINE_GRANT_BUDGET_CHARS) return new Policy(scope, id, { statements: [...statements], roles: [role] });
  const where = `${scope.node.path}/${id}`;
  const chunks = chunkStatements(stack, statements, IAM_MANAGED_POLICY_MAX_CHARS, where);
  if (chunks.length > IAM_MANAGED_POLICIES_PER_ROLE) {
    throw new Error(
      `${where}: the grant is ${statementsChars(stack, statements)} characters, which needs ${chunks.length} managed policies of at most ${IAM_MANAGED_POLICY_MAX_CHARS}, over IAM's ${IAM_MANAGED_POLICIES_PER_ROLE} per role (IAM quotas, "Managed policies attached to an IAM role"): fewer resources, or a narrower configuration`,
    );
  }
  const holder = new Construct(scope, id);
  chunks.forEach((chunk, i) => new ManagedPolicy(holder, `Part${i + 1}`, { statements: chunk, roles: [role], description: `${where}, part ${i + 1} of ${chunks.length}` }));
  return holder;
}
