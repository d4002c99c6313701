// Infra test support: the IAM roles of a synthesized template with their policies as AWS will hold them (intrinsics resolved).
import type { CfnResource, CfnTemplate } from './synth';

/** The values CloudFormation gives the pseudo parameters when the stack is deployed. */
export interface Deployed {
  partition: string;
  region: string;
  account: string;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface DeployedRole {
  logicalId: string;
  name: string;
  arn: string;
  account: string;
  /** Identity policies: inline, AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents naming the role. */
  policies: Array<{ name: string; document: PolicyDocument }>;
  trust: PolicyDocument;
}

export class UnresolvableIntrinsicError extends Error {
  override readonly name = 'UnresolvableIntrinsicError';
}

// A fixed id for the project's KMS key: CloudFormation assigns it at deploy time.
const KEY_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function physicalName(template: CfnTemplate, id: string, d: Deployed): string {
  const resource = template.Resources[id];
  if (!resource) throw new UnresolvableIntrinsicError(`Ref to ${id}, which is not in the template`);
  const p = resource.Properties ?? {};
  const named = (key: string): string => {
    const value = p[key];
    if (typeof value !== 'string') throw new UnresolvableIntrinsicError(`${id} (${resource.Type}) has no literal ${key}: a physical name is needed to simulate it`);
    return value;
  };
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table':
      return named('TableName');
    case 'AWS::Events::EventBus':
      return named('Name');
    case 'AWS::SSM::Parameter':
      return named('Name');
    case 'AWS::SNS::Topic':
      return `arn:${d.partition}:sns:${d.region}:${d.account}:${named('TopicName')}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${d.region}.amazonaws.com/${d.account}/${named('QueueName')}`;
    case 'AWS::Lambda::Function':
      return named('FunctionName');
    case 'AWS::IAM::Role':
      // A role CDK names itself gets a generated name at deploy time: its logical id stands in.
      return typeof p.RoleName === 'string' ? p.RoleName : id;
    case 'AWS::KMS::Key':
      return KEY_ID;
    case 'AWS::Logs::LogGroup':
      return named('LogGroupName');
    case 'AWS::Scheduler::ScheduleGroup':
      return named('Name');
    default:
      throw new UnresolvableIntrinsicError(`Ref to ${id} of type ${resource.Type}: teach test/infra/support/cfn-policies.ts its physical name`);
  }
}

function arnOf(template: CfnTemplate, id: string, attribute: string, d: Deployed): string {
  const resource: CfnResource | undefined = template.Resources[id];
  if (!resource) throw new UnresolvableIntrinsicError(`Fn::GetAtt of ${id}, which is not in the template`);
  const name = (): string => physicalName(template, id, d);
  const { partition: p, region: r, account: a } = d;
  const key = `${resource.Type}.${attribute}`;
  switch (key) {
    case 'AWS::DynamoDB::Table.Arn':
      return `arn:${p}:dynamodb:${r}:${a}:table/${name()}`;
    case 'AWS::Events::EventBus.Arn':
      return `arn:${p}:events:${r}:${a}:event-bus/${name()}`;
    case 'AWS::IAM::Role.Arn':
      return `arn:${p}:iam::${a}:role/${name()}`;
    case 'AWS::Lambda::Function.Arn':
      return `arn:${p}:lambda:${r}:${a}:function:${name()}`;
    case 'AWS::KMS::Key.Arn':
      return `arn:${p}:kms:${r}:${a}:key/${KEY_ID}`;
    case 'AWS::Logs::LogGroup.Arn':
      return `arn:${p}:logs:${r}:${a}:log-group:${name()}:*`;
    case 'AWS::SQS::Queue.Arn':
      return `arn:${p}:sqs:${r}:${a}:${String(resource.Properties?.QueueName)}`;
    case 'AWS::SNS::Topic.TopicArn':
      return name();
    case 'AWS::Events::Rule.Arn': {
      const ruleName = typeof resource.Properties?.Name === 'string' ? resource.Properties.Name : id;
      // AWS names a rule of the default bus "rule/<name>", with EventBusName "default" given or not.
      const bus = resource.Properties?.EventBusName === undefined ? 'default' : String(resolveIntrinsics(resource.Properties.EventBusName, template, d));
      return `arn:${p}:events:${r}:${a}:rule/${bus === 'default' ? '' : `${bus}/`}${ruleName}`;
    }
    case 'AWS::CloudWatch::Alarm.Arn':
      return `arn:${p}:cloudwatch:${r}:${a}:alarm:${String(resource.Properties?.AlarmName ?? id)}`;
    case 'AWS::Scheduler::ScheduleGroup.Arn':
      return `arn:${p}:scheduler:${r}:${a}:schedule-group/${name()}`;
    default:
      throw new UnresolvableIntrinsicError(`Fn::GetAtt ${id}.${attribute} (${resource.Type}): teach test/infra/support/cfn-policies.ts its value`);
  }
}

/** Resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split) to what AWS will hold. */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, d: Deployed): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, template, d));
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1) {
    const [fn] = keys as [string];
    const arg = record[fn];
    switch (fn) {
      case 'Ref': {
        const ref = String(arg);
        if (ref === 'AWS::Partition') return d.partition;
        if (ref === 'AWS::Region') return d.region;
        if (ref === 'AWS::AccountId') return d.account;
        if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
        // The stack's own ARN (its id): the name and id are CloudFormation's at deploy; one stack's shape stands for them.
        if (ref === 'AWS::StackId') return `arn:${d.partition}:cloudformation:${d.region}:${d.account}:stack/NotificationRunbooks/00000000-0000-0000-0000-000000000000`;
        return physicalName(template, ref, d);
      }
      case 'Fn::GetAtt': {
        const [id, attribute] = arg as [string, string];
        return arnOf(template, id, attribute, d);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolveIntrinsics(part, template, d))).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number | string, unknown];
        return (resolveIntrinsics(list, template, d) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return String(resolveIntrinsics(text, template, d)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, vars] = (typeof arg === 'string' ? [arg, {}] : arg) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name in vars) return String(resolveIntrinsics(vars[name], template, d));
          if (name.includes('.')) {
            const [id, attribute] = name.split('.') as [string, string];
            return arnOf(template, id, attribute, d);
          }
          return String(resolveIntrinsics({ Ref: name }, template, d));
        });
      }
      default:
        if (fn.startsWith('Fn::')) throw new UnresolvableIntrinsicError(`${fn} is not resolved by test/infra/support/cfn-policies.ts`);
    }
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolveIntrinsics(v, template, d)]));
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every IAM role of a template, with its identity policies and trust policy resolved for the deployed stack. */
export function deployedRoles(template: CfnTemplate, d: Deployed): DeployedRole[] {
  const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
  return roles.map(([logicalId, role]) => {
    const name = physicalName(template, logicalId, d);
    const inline = asArray(role.Properties?.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }> | undefined).map((p) => ({
      name: p.PolicyName,
      document: resolveIntrinsics(p.PolicyDocument, template, d) as PolicyDocument,
    }));
    const attached = Object.entries(template.Resources)
      // AWS::IAM::Policy is an inline policy (PutRolePolicy); AWS::IAM::ManagedPolicy naming the role is attached to it
      // (AttachRolePolicy): both are the role's identity policies (decision 368 lays large grants out in the latter).
      .filter(([, p]) => (p.Type === 'AWS::IAM::Policy' || p.Type === 'AWS::IAM::ManagedPolicy') && asArray(p.Properties?.Roles as Array<{ Ref?: string }>).some((r) => r.Ref === logicalId))
      .map(([id, p]) => ({ name: String(p.Properties?.PolicyName ?? p.Properties?.ManagedPolicyName ?? id), document: resolveIntrinsics(p.Properties?.PolicyDocument, template, d) as PolicyDocument }));
    return {
      logicalId,
      name,
      arn: `arn:${d.partition}:iam::${d.account}:role/${name}`,
      account: d.account,
      policies: [...inline, ...attached],
      trust: resolveIntrinsics(role.Properties?.AssumeRolePolicyDocument, template, d) as PolicyDocument,
    };
  });
}

/** Every resource policy of a template (key, bus, topic, queue policies), resolved, with where it sits. */
export function deployedResourcePolicies(template: CfnTemplate, d: Deployed): Array<{ where: string; document: PolicyDocument }> {
  const found: Array<{ where: string; document: PolicyDocument }> = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::KMS::Key') found.push({ where: `${id} key policy`, document: resolveIntrinsics(p.KeyPolicy, template, d) as PolicyDocument });
    if (resource.Type === 'AWS::SNS::TopicPolicy' || resource.Type === 'AWS::SQS::QueuePolicy') {
      found.push({ where: `${id}`, document: resolveIntrinsics(p.PolicyDocument, template, d) as PolicyDocument });
    }
    if (resource.Type === 'AWS::Events::EventBusPolicy') {
      found.push({ where: `${id}`, document: { Version: '2012-10-17', Statement: [resolveIntrinsics(p.Statement, template, d) as PolicyStatement] } });
    }
  }
  return found;
}

/** The resolved environment variables of the function named `functionName`. */
export function deployedEnvironment(template: CfnTemplate, functionName: string, d: Deployed): Record<string, string> {
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === functionName);
  if (!fn) throw new Error(`no function ${functionName} in the template`);
  const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(resolveIntrinsics(v, template, d))]));
}

/** The role ARN a function runs with. */
export function executionRoleOf(template: CfnTemplate, functionName: string): string {
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === functionName);
  const role = (fn?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!role) throw new Error(`function ${functionName} has no role of this template`);
  return role;
}
