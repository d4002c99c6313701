// Review 22a, R22a-7: a resource CloudFormation creates under a fixed name and keeps with DeletionPolicy Retain is left
// behind when the stack's first CREATE rolls back, and every retry then fails "already exists". Production keeps its
// state table and handler log groups with RetainExceptOnCreate (kept on a stack delete and a replacement, deleted by a
// failed create's rollback): no fixed-name resource of the production apps, single or cross-account, is Retain.
import { resourcesOfType, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

/** Each resource with DeletionPolicy Retain and a fixed name (a string property named *Name): "<stack> <id> <type> <name>". */
export function retainedFixedNames(stackName: string, template: CfnTemplate): string[] {
  return Object.entries(template.Resources).flatMap(([id, r]) => {
    if (r.DeletionPolicy !== 'Retain') return [];
    const names = Object.entries(r.Properties ?? {}).filter(([key, value]) => /Name$/.test(key) && typeof value === 'string');
    return names.length > 0 ? [`${stackName} ${id} ${r.Type} ${names.map(([, v]) => String(v)).join(',')}`] : [];
  });
}

const retainedExceptOnCreate = (template: CfnTemplate, type: string): string[] =>
  resourcesOfType(template, type).filter(([, r]) => r.DeletionPolicy === 'RetainExceptOnCreate' && r.UpdateReplacePolicy === 'Retain').map(([, r]) => String(r.Properties?.TableName ?? r.Properties?.LogGroupName));

describe('production keeps its named data with RetainExceptOnCreate, never Retain (review 22a, R22a-7)', () => {
  describe.each([
    ['single account', { environment: 'production', account: '123456789012' }],
    ['cross-account', { environment: 'production', accounts: { production: '222222222222' }, operationsAccount: '111111111111' }],
  ] as const)('%s', (_mode, context) => {
    let synthesized: SynthesizedApp;
    beforeAll(() => {
      synthesized = synthesizeApp(context, { cfnValidation: false });
    });
    afterAll(() => synthesized.dispose());

    it('no resource with a fixed name has DeletionPolicy Retain, in any stack', () => {
      expect([...synthesized.json].flatMap(([name, template]) => retainedFixedNames(name, template))).toEqual([]);
    });

    it('each runbook stack keeps the state table and every handler log group RetainExceptOnCreate, UpdateReplacePolicy Retain', () => {
      for (const [name, template] of [...synthesized.json].filter(([n]) => n.startsWith('NotificationRunbooks-production-'))) {
        expect({ name, tables: retainedExceptOnCreate(template, 'AWS::DynamoDB::Table') }).toEqual({ name, tables: ['notification-runbooks-state'] });
        const handlerGroups = resourcesOfType(template, 'AWS::Logs::LogGroup').map(([, r]) => String(r.Properties?.LogGroupName));
        const kept = retainedExceptOnCreate(template, 'AWS::Logs::LogGroup');
        // The custom resources' own groups go with the stack (DESTROY); every handler's is kept.
        expect(kept.length).toBeGreaterThanOrEqual(9);
        expect(handlerGroups.filter((g) => !kept.includes(g)).every((g) => /notification-runbooks-(document-versions|watched-log-groups)$/.test(g))).toBe(true);
      }
    });
  });

  it('catches a fixed-name resource planted back with Retain', () => {
    const template: CfnTemplate = {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', Properties: { TableName: 'notification-runbooks-state' } },
        Key: { Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain', Properties: { Description: 'unnamed: only an orphan' } },
        Logs: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'RetainExceptOnCreate', Properties: { LogGroupName: '/aws/lambda/x' } },
      },
    };
    expect(retainedFixedNames('S', template)).toEqual(['S Table AWS::DynamoDB::Table notification-runbooks-state']);
  });
});
