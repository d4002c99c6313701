// FailoverToDR / FailbackToPrimary as they are deployed (rendered for the account and region): the rehearsal refuses to
// start them as any role but the project's own automation role of that account and region, as AWS refuses a parameter
// outside its allowedPattern (issue 17).
import { join } from 'node:path';
import { defaultConfig } from '../../../shared/config/defaults';
import { parseAutomationConfig } from '../../../shared/config/load-config';
import { readRunbook } from '../../../shared/runbooks/document';
import { renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';
import { RehearsalInputError, resolveParameters } from '../../../sandbox/rehearsal/parameters';

const ACCOUNT = '210987654321';
const config = parseAutomationConfig(defaultConfig);
const given = { HostedZoneId: ['Z0123456789ABCDEFGHIJ'], RecordName: ['api.notification.example.com.'] };

describe.each(['NotificationService-FailoverToDR', 'NotificationService-FailbackToPrimary'])('%s', (name) => {
  const rendered = (region: string) => {
    const doc = renderLoadedRunbook(readRunbook(join(__dirname, '..', '..', '..', 'runbooks', `${name}.yaml`)), config, 'production', { account: ACCOUNT, partition: 'aws', region });
    if (!doc.model) throw new Error(`${name} did not render`);
    return doc.model;
  };

  it.each(['us-east-1', 'us-west-2'])('in %s runs by default as the automation role of that account and region', (region) => {
    expect(resolveParameters(rendered(region), given).AutomationAssumeRole).toBe(`arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-${region}`);
    expect(resolveParameters(rendered(region), { ...given, AutomationAssumeRole: [`arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-${region}`] }).AutomationAssumeRole).toBe(
      `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-${region}`,
    );
  });

  it.each([
    ['an administrator role', `arn:aws:iam::${ACCOUNT}:role/Admin`],
    ['no role (the caller\'s own permissions)', ''],
    ['the other region\'s automation role', `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-us-east-1`],
    ['the same name in another account', 'arn:aws:iam::999999999999:role/notification-runbooks-automation-us-west-2'],
  ])('refuses to start as %s', (_why, role) => {
    const start = () => resolveParameters(rendered('us-west-2'), { ...given, AutomationAssumeRole: [role] });
    expect(start).toThrow(RehearsalInputError);
    expect(start).toThrow(/AutomationAssumeRole: .* does not match \^arn:aws:iam::210987654321:role\/notification-runbooks-automation-us-west-2\$/);
  });
});

describe('the documents invoke the handlers by their full ARN (issue 17)', () => {
  const scaleConsumers = (where: { account: string; partition: string; region: string; handlerAccount?: string }) => {
    const doc = renderLoadedRunbook(readRunbook(join(__dirname, '..', '..', '..', 'runbooks', 'NotificationService-ScaleConsumers.yaml')), config, 'production', where);
    return doc.model?.parameters.RemediationFunctionName?.default;
  };

  it('names the handler in the account it runs in: its own in single-account mode, the operations account in cross-account mode', () => {
    expect(scaleConsumers({ account: ACCOUNT, partition: 'aws', region: 'us-west-2' })).toBe(`arn:aws:lambda:us-west-2:${ACCOUNT}:function:notification-runbooks-scale-consumers`);
    expect(scaleConsumers({ account: ACCOUNT, partition: 'aws', region: 'us-east-1', handlerAccount: '111111111111' })).toBe(
      'arn:aws:lambda:us-east-1:111111111111:function:notification-runbooks-scale-consumers',
    );
  });
});
