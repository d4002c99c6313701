// The gap proxy's answers for the APIs `runbook preflight` calls that moto 5.2.1 lacks: iam:SimulatePrincipalPolicy (from the
// role's own policy documents in the emulator), iam:SimulateCustomPolicy (from the documents given), events:TestEventPattern (moto answers an empty body) and
// support:DescribeSeverityLevels (moto has none; the sandbox account answers as one on Business or Enterprise support).
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { eventPatternMatches, InvalidEventPatternError } from './event-pattern-match';
import { simulatePolicies, UnsupportedPolicyError, type SimulatedPolicy } from './iam-policy-simulator';

/** What the proxy sends back: a status and a JSON value or an XML text, or an AWS error in the request's protocol. */
export type GapReply = { status: 200; json: unknown } | { status: 200; xml: string } | { status: number; error: { code: string; message: string } };

/** AWS Support's severity levels (Support API DescribeSeverityLevels; "critical" needs Enterprise). */
export const SUPPORT_SEVERITY_LEVELS = [
  { code: 'low', name: 'Low' },
  { code: 'normal', name: 'Normal' },
  { code: 'high', name: 'High' },
  { code: 'urgent', name: 'Urgent' },
  { code: 'critical', name: 'Critical' },
] as const;

export function describeSeverityLevels(): GapReply {
  return { status: 200, json: { severityLevels: SUPPORT_SEVERITY_LEVELS } };
}

/** events:TestEventPattern {EventPattern, Event} -> {Result}. */
export function testEventPattern(body: string): GapReply {
  try {
    const input = JSON.parse(body) as { EventPattern?: unknown; Event?: unknown };
    if (typeof input.EventPattern !== 'string' || typeof input.Event !== 'string') {
      return { status: 400, error: { code: 'ValidationException', message: 'EventPattern and Event are required strings' } };
    }
    return { status: 200, json: { Result: eventPatternMatches(JSON.parse(input.EventPattern) as unknown, JSON.parse(input.Event) as unknown) } };
  } catch (error) {
    const invalid = error instanceof InvalidEventPatternError || error instanceof SyntaxError;
    if (!invalid) throw error;
    return { status: 400, error: { code: 'InvalidEventPatternException', message: `Event pattern is not valid: ${(error as Error).message}` } };
  }
}

const xmlEscape = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `Name.member.1`, `Name.member.2`, ... of a query request, in order. */
function members(form: URLSearchParams, name: string): string[] {
  const pattern = new RegExp(`^${name.replace(/\./g, '\\.')}\\.member\\.(\\d+)$`);
  return [...form.entries()]
    .map(([key, value]) => [Number(pattern.exec(key)?.[1] ?? NaN), value] as const)
    .filter(([index]) => Number.isInteger(index))
    .sort(([a], [b]) => a - b)
    .map(([, value]) => value);
}

/** IAM returns policy documents URL-encoded; moto sometimes does not. */
function policyJson(document: string | undefined): { Statement?: unknown } {
  const text = document ?? '{}';
  return JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as { Statement?: unknown };
}

/** Every identity policy of a role, inline and attached, as the emulator holds it. */
export async function rolePolicies(iam: IAMClient, roleName: string): Promise<SimulatedPolicy[]> {
  const policies: SimulatedPolicy[] = [];
  const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  for (const name of inline.PolicyNames ?? []) {
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
    policies.push({ name, document: policyJson(got.PolicyDocument) });
  }
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  for (const policy of attached.AttachedPolicies ?? []) {
    const meta = await iam.send(new GetPolicyCommand({ PolicyArn: policy.PolicyArn }));
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.PolicyArn, VersionId: meta.Policy?.DefaultVersionId }));
    policies.push({ name: policy.PolicyName ?? policy.PolicyArn ?? 'attached', document: policyJson(version.PolicyVersion?.Document) });
  }
  return policies;
}

/** The ContextEntries of a query request: key -> values, and the keys given as multivalued (a `...List` ContextKeyType; lower case). */
function contextEntries(form: URLSearchParams): { context: Record<string, string[]>; multivalued: Set<string> } {
  const context: Record<string, string[]> = {};
  const multivalued = new Set<string>();
  for (let i = 1; form.has(`ContextEntries.member.${i}.ContextKeyName`); i += 1) {
    const name = form.get(`ContextEntries.member.${i}.ContextKeyName`) ?? '';
    context[name] = members(form, `ContextEntries.member.${i}.ContextKeyValues`);
    if (/List$/.test(form.get(`ContextEntries.member.${i}.ContextKeyType`) ?? '')) multivalued.add(name.toLowerCase());
  }
  return { context, multivalued };
}

/** Every ActionNames x ResourceArns pair of the request judged against `policies`, as the simulate APIs answer it. */
function simulationReply(form: URLSearchParams, policies: readonly SimulatedPolicy[], response: 'SimulatePrincipalPolicy' | 'SimulateCustomPolicy'): GapReply {
  const actions = members(form, 'ActionNames');
  if (actions.length === 0) return { status: 400, error: { code: 'InvalidInput', message: 'ActionNames is required' } };
  const resources = members(form, 'ResourceArns');
  const { context, multivalued } = contextEntries(form);
  const results: string[] = [];
  try {
    for (const action of actions) {
      for (const resource of resources.length > 0 ? resources : ['*']) {
        const r = simulatePolicies(policies, { action, resource, context, multivalued });
        results.push(
          '<member>' +
            `<EvalActionName>${xmlEscape(action)}</EvalActionName><EvalResourceName>${xmlEscape(resource)}</EvalResourceName>` +
            `<EvalDecision>${r.decision}</EvalDecision>` +
            `<MatchedStatements>${r.matchedStatements.map((st) => `<member><SourcePolicyId>${xmlEscape(st)}</SourcePolicyId><SourcePolicyType>IAM Policy</SourcePolicyType></member>`).join('')}</MatchedStatements>` +
            `<MissingContextValues>${r.missingContextValues.map((k) => `<member>${xmlEscape(k)}</member>`).join('')}</MissingContextValues>` +
            '</member>',
        );
      }
    }
  } catch (error) {
    if (error instanceof UnsupportedPolicyError) return { status: 400, error: { code: 'InvalidInput', message: error.message } };
    throw error;
  }
  return {
    status: 200,
    xml:
      `<${response}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${response}Result>` +
      `<IsTruncated>false</IsTruncated><EvaluationResults>${results.join('')}</EvaluationResults>` +
      `</${response}Result><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></${response}Response>`,
  };
}

/**
 * iam:SimulatePrincipalPolicy for a role: every ActionNames x ResourceArns pair judged against the role's policies
 * with the ContextEntries given. No SCP or permission boundary exists in the emulator, so none is applied.
 */
export async function simulatePrincipalPolicy(body: string, readPolicies: (roleName: string) => Promise<SimulatedPolicy[]>): Promise<GapReply> {
  const form = new URLSearchParams(body);
  const source = form.get('PolicySourceArn') ?? '';
  const role = /^arn:[\w-]+:iam::\d{12}:role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(source)?.[1];
  if (!role) return { status: 400, error: { code: 'InvalidInput', message: `the sandbox simulates IAM roles only; PolicySourceArn was "${source}"` } };
  if (members(form, 'ActionNames').length === 0) return { status: 400, error: { code: 'InvalidInput', message: 'ActionNames is required' } };
  let policies: SimulatedPolicy[];
  try {
    policies = await readPolicies(role);
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchEntityException' || (error as { name?: string }).name === 'NoSuchEntity') {
      return { status: 404, error: { code: 'NoSuchEntity', message: `The role with name ${role} cannot be found.` } };
    }
    throw error;
  }
  return simulationReply(form, policies, 'SimulatePrincipalPolicy');
}

/**
 * iam:SimulateCustomPolicy (moto 5.2.1 has none): every ActionNames x ResourceArns pair judged against the policies of
 * PolicyInputList with the ContextEntries given. A ResourcePolicy is refused, as AWS refuses it without an IAM user as
 * CallerArn; the sandbox has no such user, and preflight never sends one.
 */
export function simulateCustomPolicy(body: string): GapReply {
  const form = new URLSearchParams(body);
  if (form.has('ResourcePolicy')) return { status: 400, error: { code: 'InvalidInput', message: 'the sandbox simulates identity policies only: ResourcePolicy needs an IAM user as CallerArn' } };
  const documents = members(form, 'PolicyInputList');
  if (documents.length === 0) return { status: 400, error: { code: 'InvalidInput', message: 'PolicyInputList is required' } };
  let policies: SimulatedPolicy[];
  try {
    policies = documents.map((document, i) => ({ name: `PolicyInputList.${i + 1}`, document: JSON.parse(document) as { Statement?: unknown } }));
  } catch (error) {
    return { status: 400, error: { code: 'MalformedPolicyDocument', message: `PolicyInputList holds a document that is not JSON: ${(error as Error).message}` } };
  }
  return simulationReply(form, policies, 'SimulateCustomPolicy');
}

/** The caller as moto names a sandbox access key's principal (STS GetCallerIdentity: `arn:aws:sts::ACCOUNT:user/moto`). */
export function sandboxCallerArn(accountId: string): string {
  return `arn:aws:sts::${accountId}:user/moto`;
}

/** Pure: does a trust statement's Principal name this caller (its ARN, its account, or anyone)? */
export function principalAdmits(principal: unknown, caller: { account: string; arn: string }): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = (principal as { AWS?: unknown }).AWS;
  const names = aws === undefined ? [] : Array.isArray(aws) ? aws.map(String) : [String(aws)];
  return names.some((n) => n === '*' || n === caller.account || n === `arn:aws:iam::${caller.account}:root` || n === caller.arn);
}

/**
 * sts:AssumeRole as AWS judges it, before moto answers (moto 5.2.1 issues credentials for any role ARN, existing or not,
 * and enforces no trust policy): the role must exist in its account, and a statement of its trust policy whose
 * Principal names the caller must allow sts:AssumeRole under the request's context (aws:PrincipalArn,
 * aws:PrincipalAccount, and the request's own tags and source identity, which a trust may require of the AssumeRole
 * itself: decision 176); a request with session tags needs sts:TagSession too, and one with a source identity
 * sts:SetSourceIdentity, as the trust of a role in another account must allow them (IAM User Guide, "Passing session
 * tags using AssumeRole", "Permissions required to set source identity"). A refusal is AccessDenied naming the first
 * action refused, in that order. `readTrust` reads the role's trust policy in the role's account, or throws NoSuchEntity.
 */
export async function judgeAssumeRole(
  body: string,
  caller: { account: string; arn: string } | undefined,
  readTrust: (account: string, roleName: string) => Promise<string | undefined>,
): Promise<GapReply | undefined> {
  const form = new URLSearchParams(body);
  const roleArn = form.get('RoleArn') ?? '';
  const parsed = /^arn:[\w-]+:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (!parsed) return undefined; // moto validates the ARN itself
  const [, account = '', roleName = ''] = parsed;
  const deniedFor = (action: string): GapReply => ({
    status: 403,
    error: { code: 'AccessDenied', message: `User: ${caller?.arn ?? 'the caller'} is not authorized to perform: ${action} on resource: ${roleArn}` },
  });
  const denied = deniedFor('sts:AssumeRole');
  let trust: string | undefined;
  try {
    trust = await readTrust(account, roleName);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') return denied;
    throw error;
  }
  // A session opened with keys moto issued (role chaining) names no sandbox account: existence is all that is judged.
  if (!caller) return undefined;
  const statements = (() => {
    const s = policyJson(trust).Statement;
    return (s === undefined ? [] : Array.isArray(s) ? s : [s]) as Array<{ Principal?: unknown; Resource?: unknown } & Record<string, unknown>>;
  })();
  const admitting = statements.filter((s) => principalAdmits(s.Principal, caller)).map(({ Principal: _principal, ...rest }) => ({ ...rest, Resource: '*' }));
  // One request, one context for each action it needs (decision 176): its session tags as aws:RequestTag/<key> and
  // aws:TagKeys (multivalued), its source identity. AWS's own trust example requires tags on the AssumeRole statement
  // (IAM User Guide, "Passing session tags in AWS STS"), so a request without them is refused there.
  const tags: Array<[string, string]> = [];
  for (let i = 1; form.has(`Tags.member.${i}.Key`); i += 1) tags.push([form.get(`Tags.member.${i}.Key`) ?? '', form.get(`Tags.member.${i}.Value`) ?? '']);
  const sourceIdentity = form.get('SourceIdentity');
  const context: Record<string, string[]> = {
    'aws:PrincipalArn': [caller.arn],
    'aws:PrincipalAccount': [caller.account],
    ...Object.fromEntries(tags.map(([k, v]) => [`aws:RequestTag/${k}`, [v]])),
    ...(tags.length > 0 ? { 'aws:TagKeys': tags.map(([k]) => k) } : {}),
    ...(sourceIdentity !== null ? { 'sts:SourceIdentity': [sourceIdentity] } : {}),
  };
  const multivalued = new Set(['aws:tagkeys']);
  const judged = ['sts:AssumeRole', ...(tags.length > 0 ? ['sts:TagSession'] : []), ...(sourceIdentity !== null ? ['sts:SetSourceIdentity'] : [])];
  try {
    for (const action of judged) {
      const decision = simulatePolicies([{ name: 'trust', document: { Statement: admitting } }], { action, resource: roleArn, context, multivalued }).decision;
      if (decision !== 'allowed') return deniedFor(action);
    }
    return undefined;
  } catch (error) {
    if (error instanceof UnsupportedPolicyError) return { status: 400, error: { code: 'InvalidInput', message: `the sandbox cannot judge ${roleArn}'s trust policy: ${error.message}` } };
    throw error;
  }
}
