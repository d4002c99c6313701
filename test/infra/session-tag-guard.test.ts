// A remediation role carrying a session tag key as an IAM tag is refused at synthesis (review 10b F5): an untagged session
// would take the role's tag as its principal tag. The whole app's roles: cross-account-app.test.ts.
import { App, Stack, Tags } from 'aws-cdk-lib';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { refuseSessionTagsOnRoles } from '../../infra/lib/iam/session-tag-guard';

const REMEDIATION = 'notification-runbooks-remediate-raise-lambda-memory';

function synth(tag: (app: App, stack: Stack, role: Role) => void): () => void {
  const app = new App();
  const stack = new Stack(app, 'Remediation', { env: { account: '222222222222', region: 'us-east-1' } });
  const role = new Role(stack, 'Remediate', { roleName: REMEDIATION, assumedBy: new AccountPrincipal('111111111111') });
  new Role(stack, 'Automation', { roleName: 'notification-runbooks-automation-us-east-1', assumedBy: new AccountPrincipal('222222222222') });
  Tags.of(stack).add('Environment', 'production');
  refuseSessionTagsOnRoles(stack, [REMEDIATION]);
  tag(app, stack, role);
  return () => app.synth();
}

describe('refuseSessionTagsOnRoles', () => {
  it.each<[string, (app: App, stack: Stack, role: Role) => void]>([
    ['runbook-region tagged on the whole app', (app) => Tags.of(app).add('runbook-region', 'us-east-1')],
    ['Runbook-Region (another case) tagged on the stack', (_app, stack) => Tags.of(stack).add('Runbook-Region', 'us-west-2')],
    ['runbook-incident tagged on the role itself', (_app, _stack, role) => Tags.of(role).add('runbook-incident', 'x')],
    ['runbook-playbook tagged on the role itself', (_app, _stack, role) => Tags.of(role).add('RUNBOOK-PLAYBOOK', 'raise-lambda-memory')],
  ])('refuses a remediation role with %s', (_case, tag) => {
    expect(synth(tag)).toThrow(`remediation role ${REMEDIATION} carries the IAM tag`);
  });

  it('synthesizes a remediation role with other tags, and another role with a session tag key (not a remediation role)', () => {
    expect(synth((_app, stack, role) => {
      Tags.of(role).add('Component', 'notification-runbooks');
      Tags.of(stack.node.findChild('Automation')).add('runbook-region', 'us-east-1');
    })).not.toThrow();
  });
});
