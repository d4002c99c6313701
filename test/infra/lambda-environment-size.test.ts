// Review 22a R22a-4, decision 371: Lambda refuses a function whose environment variables pass 4 KB in aggregate (the
// variables as one JSON object); the handlers' configuration overrides travel in RUNBOOK_CONFIG_JSON. Synthesis refuses
// such a function, and the overrides reach the handlers compacted, with only their own environment's section (372).
import { App, Stack } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_ENVIRONMENT_MAX_BYTES, lambdaEnvironmentBytes, refuseOversizedLambdaEnvironments } from '../../infra/lib/lambda-environment-size';
import { THREE_ENVIRONMENT_OVERRIDES } from '../fixtures/three-environment-config';
import { resourcesOfType, synthesizeApp, type CfnTemplate } from './support/synth';

const PRODUCTION = { environment: 'production', account: '123456789012' };
type Variables = Record<string, unknown>;
const variablesOf = (template: CfnTemplate): Array<[string, Variables]> =>
  resourcesOfType(template, 'AWS::Lambda::Function').map(([id, fn]) => [id, ((fn.Properties?.Environment as { Variables?: Variables } | undefined)?.Variables ?? {})]);
/** The default production app's figures (measured at decision 371; tokens at their longest). */
const FIGURES = { functions: 23, literalOnly: 2, largest: 1789 };
const literalOnly = (variables: Variables): boolean => Object.values(variables).every((v) => typeof v === 'string');

/** A function in a bare stack with the given variables, the guard on the app: synthesized, or the refusal's message. */
function synthBare(variables: Record<string, string>): string {
  const app = new App();
  const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'us-east-1' } });
  new CfnFunction(stack, 'Fn', { functionName: 'bare', role: 'arn:aws:iam::123456789012:role/r', code: { zipFile: 'x' }, runtime: 'nodejs20.x', handler: 'index.handler', environment: { variables } });
  refuseOversizedLambdaEnvironments(app);
  try {
    app.synth();
    return 'synthesized';
  } catch (error) {
    return (error as Error).message;
  }
}

describe("Lambda's 4 KB for a function's environment variables, held at synthesis (review 22a R22a-4)", () => {
  it('measures as Lambda does: the variables as one JSON object, in UTF-8 bytes (an independent count on literal-only maps)', () => {
    const variables = { A: 'x'.repeat(100), B: 'é✓' };
    // {"A":"x...x","B":"é✓"}: 2 braces, 2 keys with quotes and colons (4 + 4), 100 + 2 quotes, é (2 bytes) ✓ (3 bytes) + 2 quotes, 1 comma.
    expect(Buffer.byteLength(JSON.stringify(variables))).toBe(2 + 8 + 102 + 7 + 1);
    const app = new App();
    const fn = new CfnFunction(new Stack(app, 'S'), 'Fn', { role: 'r', code: { zipFile: 'x' }, environment: { variables } });
    expect(lambdaEnvironmentBytes(fn)).toBe(120);
  });

  it('refuses a function one byte over 4,096 and takes one exactly at it', () => {
    // {"K":"<v>"}: 8 bytes around the value.
    expect(synthBare({ K: 'v'.repeat(LAMBDA_ENVIRONMENT_MAX_BYTES - 8) })).toBe('synthesized');
    expect(synthBare({ K: 'v'.repeat(LAMBDA_ENVIRONMENT_MAX_BYTES - 7) })).toMatch(/Lambda function Bare\/Fn \(bare\) has environment variables of 4097 bytes, over Lambda's 4096/);
  });

  it('measures every function of the default production app, equal to the template\'s own bytes where the variables are literal', () => {
    const synthesized = synthesizeApp(PRODUCTION, { cfnValidation: false });
    try {
      const measured = synthesized.app.node.findAll().filter((c): c is CfnFunction => c instanceof CfnFunction).map((fn) => ({ path: fn.node.path, bytes: lambdaEnvironmentBytes(fn) }));
      const literal = [...synthesized.json.entries()].flatMap(([stack, template]) =>
        variablesOf(template).filter(([, v]) => literalOnly(v)).map(([id, v]) => ({ stack, id, bytes: Buffer.byteLength(JSON.stringify(v)) })),
      );
      // The independent count: a literal-only function's variables as the template holds them, JSON.stringify'd.
      for (const { stack, id, bytes } of literal) {
        const fn = measured.find((m) => m.path.startsWith(`${stack}/`) && synthesized.app.node.findAll().some((c) => c instanceof CfnFunction && c.node.path === m.path && Stack.of(c).resolve(c.logicalId) === id));
        expect({ id, bytes: fn?.bytes }).toEqual({ id, bytes });
      }
      const largest = Math.max(...measured.map((m) => m.bytes));
      expect({ functions: measured.length, literalOnly: literal.length, largest }).toEqual(FIGURES);
      expect(largest).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_MAX_BYTES);
    } finally {
      synthesized.dispose();
    }
  });

  it('hands the overrides to the handlers compacted: a pretty-printed config costs no more than its content', () => {
    const overrides = { environments: { production: { resources: { queues: ['notification-service-queue'], functions: ['notification-service-consumer'], databases: ['notification-service-db'] } } } };
    const synthesized = synthesizeApp({ ...PRODUCTION, config: JSON.stringify(overrides, null, 2) }, { cfnValidation: false });
    try {
      const given = [...synthesized.json.values()].flatMap((t) => variablesOf(t)).map(([, v]) => v.RUNBOOK_CONFIG_JSON).filter((v) => v !== undefined);
      expect(given.length).toBeGreaterThan(0);
      expect(new Set(given)).toEqual(new Set([JSON.stringify(overrides)]));
    } finally {
      synthesized.dispose();
    }
  });

  it('gives a stack\'s handlers only their own environment\'s overrides: 50 long staging queue names no longer refuse a production synth', () => {
    // Refused at decision 371: production's functions carried staging's text.
    const queues = Array.from({ length: 50 }, (_, i) => `notification-service-staging-queue-${String(i).padStart(2, '0')}-${'q'.repeat(40)}`);
    const overrides = { environments: { staging: { resources: { queues, functions: [], databases: [] } } } };
    const synthesized = synthesizeApp({ ...PRODUCTION, config: JSON.stringify(overrides) }, { cfnValidation: false });
    try {
      const functions = synthesized.app.node.findAll().filter((c): c is CfnFunction => c instanceof CfnFunction);
      // Nothing of the overrides is production's: its handlers are given none, and measure as with no overrides at all.
      expect([...synthesized.json.values()].flatMap((t) => variablesOf(t)).filter(([, v]) => v.RUNBOOK_CONFIG_JSON !== undefined)).toEqual([]);
      expect({ functions: functions.length, largest: Math.max(...functions.map(lambdaEnvironmentBytes)) }).toEqual({ functions: FIGURES.functions, largest: FIGURES.largest });
    } finally {
      synthesized.dispose();
    }
  });

  it('still refuses an environment\'s own overrides over 4 KB, in that environment\'s synth only', () => {
    // 50 approval emails (the schema's most): 4,497 bytes of overrides, over Lambda's 4 KB by themselves.
    const emails = Array.from({ length: 50 }, (_, i) => `notification-service-runbook-approver-${String(i).padStart(2, '0')}@operations.notification-service.example.com`);
    const approvers = { runbookApprovers: { principals: ['role/NotificationServiceRunbookApprover'], minRequiredApprovals: 1, emails } };
    expect(Buffer.byteLength(JSON.stringify({ environments: { production: approvers } }))).toBe(4497);
    const refusedIn = (environment: string) => new RegExp(`Lambda function NotificationRunbooks-${environment}-us-east-1/.* has environment variables of \\d+ bytes, over Lambda's 4096`);
    expect(() => synthesizeApp({ ...PRODUCTION, config: JSON.stringify({ environments: { production: approvers } }) }, { cfnValidation: false })).toThrow(refusedIn('production'));
    // The same section as staging's: production's handlers do not carry it, staging's do.
    const stagingOnly = JSON.stringify({ environments: { staging: approvers } });
    synthesizeApp({ ...PRODUCTION, config: stagingOnly }, { cfnValidation: false }).dispose();
    expect(() => synthesizeApp({ environment: 'staging', account: '123456789012', config: stagingOnly }, { cfnValidation: false })).toThrow(refusedIn('staging'));
  });

  it('a three-environment override (review 22a\'s shape): refused whole at decision 371, each stack\'s largest function now well within 4 KB', () => {
    const whole = JSON.stringify(THREE_ENVIRONMENT_OVERRIDES);
    // A string's bytes inside the variables' JSON object: quoted, its own quotes escaped.
    const quoted = (text: string): number => Buffer.byteLength(JSON.stringify(text));
    const synthesized = synthesizeApp({ config: whole }, { cfnValidation: false });
    try {
      const figures = synthesized.built.plans.filter((p) => p.kind === 'runbooks').map((plan) => {
        const functions = synthesized.app.node.findAll().filter((c): c is CfnFunction => c instanceof CfnFunction && Stack.of(c).stackName === plan.stackName);
        const largest = functions.reduce((a, b) => (lambdaEnvironmentBytes(b) > lambdaEnvironmentBytes(a) ? b : a));
        const given = (Stack.of(largest).resolve(largest.environment) as { variables: Record<string, string> }).variables.RUNBOOK_CONFIG_JSON ?? '';
        const bytes = lambdaEnvironmentBytes(largest);
        // The same function given the whole overrides, as at decision 371 (measured then on main's code: the same figures).
        return { stack: plan.stackName, config: Buffer.byteLength(given), largest: bytes, wholeLargest: bytes - quoted(given) + quoted(whole) };
      });
      expect(Buffer.byteLength(whole)).toBe(3731);
      expect(figures).toEqual([
        { stack: 'NotificationRunbooks-production-us-east-1', config: 1675, largest: 2455, wholeLargest: 4609 },
        { stack: 'NotificationRunbooks-production-us-west-2', config: 1675, largest: 2455, wholeLargest: 4609 },
        { stack: 'NotificationRunbooks-staging-us-east-1', config: 1423, largest: 2186, wholeLargest: 4606 },
        { stack: 'NotificationRunbooks-development-us-east-1', config: 1053, largest: 1811, wholeLargest: 4611 },
      ]);
    } finally {
      synthesized.dispose();
    }
  });
});
