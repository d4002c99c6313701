// Infra test support: synthesizes the CDK app once per context, offline, and reads the templates it produced.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildRunbookApp, type RunbookApp } from '../../../infra/lib/app';
import { handlersForRegion } from '../../../infra/lib/runbook-stack';
import { roleOfRegion } from '../../../shared/config/alarm-specs';

export const ROOT_DIR = join(__dirname, '..', '..', '..');

export interface SynthesizedApp {
  app: App;
  built: RunbookApp;
  /** stack name -> its synthesized template, as JSON and for aws-cdk-lib/assertions */
  json: Map<string, CfnTemplate>;
  templates: Map<string, Template>;
  dispose(): void;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  [key: string]: unknown;
}

/**
 * Builds and synthesizes the app for `context` (no AWS call: assets are the built bundles in dist/, accounts and regions
 * come from context). cdk-nag is run by the nag test itself, so a finding fails that test, not every other one.
 */
export function synthesizeApp(context: Record<string, unknown> = {}, options: { cfnValidation?: boolean } = {}): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'runbooks-cdk-'));
  // cdk.json's context first, as `cdk synth` reads it; CDK's own CloudFormation rules run unless a suite opts out (they
  // cost seconds per synthesis and judge the same constructs in every context).
  const cdkJson = JSON.parse(readFileSync(join(ROOT_DIR, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({ outdir, context: { ...cdkJson.context, ...context }, builtinCloudFormationValidation: options.cfnValidation ?? true });
  const built = buildRunbookApp(app, { rootDir: ROOT_DIR, nag: false });
  const assembly = app.synth();
  const json = new Map<string, CfnTemplate>();
  const templates = new Map<string, Template>();
  for (const name of built.stacks.keys()) {
    const template = assembly.getStackByName(name).template as CfnTemplate;
    json.set(name, template);
    templates.set(name, Template.fromJSON(template));
  }
  return { app, built, json, templates, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, unknown>;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id of the function named `functionName`, and of its role. */
export function functionOf(template: CfnTemplate, functionName: string): { id: string; resource: CfnResource; roleId: string } {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').find(([, r]) => r.Properties?.FunctionName === functionName);
  if (!found) throw new Error(`no function ${functionName} in the template`);
  const [id, resource] = found;
  const role = resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`function ${functionName} has no role of this template`);
  return { id, resource, roleId };
}

/** Every Allow statement that applies to a role: its inline policies and the (inline or managed) policies attached to it. */
export function statementsOfRole(template: CfnTemplate, roleId: string): Statement[] {
  const role = template.Resources[roleId];
  const inline = asArray(role?.Properties?.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }> | undefined).flatMap((p) => p.PolicyDocument.Statement);
  const attached = [...resourcesOfType(template, 'AWS::IAM::Policy'), ...resourcesOfType(template, 'AWS::IAM::ManagedPolicy')]
    .filter(([, p]) => asArray(p.Properties?.Roles as Array<{ Ref?: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached].filter((s) => s.Effect === 'Allow');
}

export function grantedActions(template: CfnTemplate, roleId: string): Set<string> {
  return new Set(statementsOfRole(template, roleId).flatMap((s) => asArray(s.Action)));
}

/** Every Allow statement's actions anywhere in a template: identity policies, key, queue, topic and bus policies. */
export function allowedActionsAnywhere(node: unknown, found: Array<{ path: string; action: string }> = [], path = ''): Array<{ path: string; action: string }> {
  if (Array.isArray(node)) {
    node.forEach((child, i) => allowedActionsAnywhere(child, found, `${path}[${i}]`));
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.Effect === 'Allow' && (record.Action !== undefined || record.NotAction !== undefined)) {
      for (const action of asArray(record.Action as string | string[])) found.push({ path, action });
      // NotAction in an Allow grants everything else: as wide as a wildcard.
      for (const action of asArray(record.NotAction as string | string[])) found.push({ path, action: `NotAction:${action}*` });
    }
    for (const [key, child] of Object.entries(record)) allowedActionsAnywhere(child, found, `${path}.${key}`);
  }
  return found;
}

/** The handlers a runbook stack deploys (infra/lib/runbook-stack.ts handlersForRegion): a DR region has no row that changes something. */
export function deployedHandlers(synthesized: SynthesizedApp, stackName: string): string[] {
  const plan = synthesized.built.plans.find((p) => p.stackName === stackName);
  if (!plan) throw new Error(`no plan for ${stackName}`);
  const role = roleOfRegion(synthesized.built.config, plan.environment, plan.region);
  return handlersForRegion(synthesized.built.config, role, synthesized.built.handlers).map((h) => h.name);
}

