// Pure: does an IAM policy document allow an action? Reads Statement Effect / Action / NotAction with IAM's wildcards.
//
// Resources and conditions are not evaluated (a document's resources are often only known at run time); an action
// counts as granted when some Allow statement covers it and no Deny statement covering it applies to every resource.

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export type Grant = { granted: true; by: string } | { granted: false; reason: string };

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM action matching: case-insensitive, `*` any run of characters, `?` one character (IAM User Guide, "Action"). */
export function actionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i').test(action);
}

function covers(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some((p) => actionMatches(p, action));
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => actionMatches(p, action));
  return false;
}

const describe = (statement: PolicyStatement, index: number): string => statement.Sid ?? `Statement[${index}]`;

export function isGranted(policy: PolicyDocument, action: string): Grant {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const denied = statements.findIndex((s) => s.Effect === 'Deny' && covers(s, action) && list(s.Resource).includes('*') && s.Condition === undefined);
  if (denied >= 0) return { granted: false, reason: `denied by ${describe(statements[denied] as PolicyStatement, denied)}` };
  const allowed = statements.findIndex((s) => s.Effect === 'Allow' && covers(s, action));
  if (allowed >= 0) return { granted: true, by: describe(statements[allowed] as PolicyStatement, allowed) };
  return { granted: false, reason: 'no Allow statement covers it' };
}

/** Narrows parsed JSON to a policy document, naming what is wrong. */
export function parsePolicyDocument(value: unknown): PolicyDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('an IAM policy document must be a JSON object');
  const statement = (value as { Statement?: unknown }).Statement;
  const statements = Array.isArray(statement) ? statement : [statement];
  statements.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) throw new Error(`Statement[${i}] must be an object`);
    const { Effect, Action, NotAction } = s as Record<string, unknown>;
    if (Effect !== 'Allow' && Effect !== 'Deny') throw new Error(`Statement[${i}].Effect must be Allow or Deny`);
    const isStrings = (v: unknown): boolean => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (Action === undefined && NotAction === undefined) throw new Error(`Statement[${i}] needs Action or NotAction`);
    if ((Action !== undefined && !isStrings(Action)) || (NotAction !== undefined && !isStrings(NotAction))) {
      throw new Error(`Statement[${i}].Action / NotAction must be a string or a list of strings`);
    }
  });
  return value as PolicyDocument;
}

/**
 * The IAM action an executeAwsApi call needs. The IAM prefix is the boto3 service name except where IAM uses another
 * (Service Authorization Reference); the action name is the API name except for the few APIs IAM authorizes under
 * another name.
 */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  elbv2: 'elasticloadbalancing',
  elb: 'elasticloadbalancing',
  stepfunctions: 'states',
  opensearch: 'es',
  dynamodbstreams: 'dynamodb',
  sesv2: 'ses',
  'application-autoscaling': 'application-autoscaling',
};

const IAM_ACTION_NAME: Readonly<Record<string, string>> = {
  // Lambda's Invoke API is authorized as lambda:InvokeFunction.
  'lambda:Invoke': 'InvokeFunction',
  'lambda:InvokeAsync': 'InvokeFunction',
  // S3's listing APIs are authorized as s3:ListBucket / s3:ListBucketVersions.
  's3:ListObjects': 'ListBucket',
  's3:ListObjectsV2': 'ListBucket',
  's3:ListObjectVersions': 'ListBucketVersions',
  's3:HeadObject': 'GetObject',
  's3:HeadBucket': 'ListBucket',
};

export function iamActionForApi(service: string, api: string): string {
  const prefix = IAM_PREFIX[service.toLowerCase()] ?? service.toLowerCase();
  const name = IAM_ACTION_NAME[`${prefix}:${api}`] ?? api;
  return `${prefix}:${name}`;
}
