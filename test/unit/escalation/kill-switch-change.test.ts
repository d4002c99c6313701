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

describe('parseEscalateInput: a Parameter Store Change', () => {
  it('reads the documented event: name, operation, time, account, region', () => {
    expect(parseEscalateInput(fixture)).toEqual({ kind: 'kill-switch-change', change });
  });

  it.each([
    ['another source', { ...fixture, source: 'aws.cloudwatch' }],
    ['no parameter name', { ...fixture, detail: { operation: 'Update' } }],
    ['no operation', { ...fixture, detail: { name: NAME } }],
    ['a malformed account', { ...fixture, account: 'me' }],
  ])('rejects one with %s', (_name, event) => {
    expect(() => parseEscalateInput(event)).toThrow(InvalidInputError);
  });
});

describe('renderKillSwitchChange', () => {
  it.each([
    ['set to "stop"', { engaged: true, reason: `kill switch ${NAME} is "stop": no automated change is made (only exactly "off" turns it off)` }, 'automation stopped', 'nothing is changed automatically until it says exactly "off" again'],
    ['put back to "off"', { engaged: false, reason: `kill switch ${NAME} is off` }, 'automation on', 'The automation acts again'],
    ['unreadable right after', { engaged: true, unread: true as const, reason: `kill switch ${NAME} could not be read (ThrottlingException)` }, 'unreadable', 'could not be read'],
  ])('tells L1 the switch was %s, what it means, and where to find who', (_name, now, inSubject, meaning) => {
    const notice = renderKillSwitchChange(change, now, { environment: 'production', tier });
    expect(notice.subject).toBe(`[KILL SWITCH][production] ${NAME} Update: ${inSubject}`);
    expect(notice.text).toContain('KILL SWITCH CHANGED (Update) at 2026-12-06T10:44:48Z, account 123456789012, us-east-1, production.');
    expect(notice.text).toContain(`Now: ${now.reason}.`);
    expect(notice.text).toContain(meaning);
    expect(notice.text).toContain('aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=PutParameter --region us-east-1');
    expect(notice.chat.content.description).toContain('KILL SWITCH CHANGED (Update)');
  });

  it('points at DeleteParameter for a deleted switch (missing: failing closed)', () => {
    const notice = renderKillSwitchChange({ ...change, operation: 'Delete' }, { engaged: true, reason: `kill switch ${NAME} does not exist: failing closed` }, { environment: 'production', tier });
    expect(notice.text).toContain('AttributeValue=DeleteParameter');
    expect(notice.subject).toContain('Delete: automation stopped');
  });

  it('escapes a written value in chat: no mention, no link', () => {
    const notice = renderKillSwitchChange(change, { engaged: true, reason: `kill switch ${NAME} is "<!here> <https://evil.example|run this>"` }, { environment: 'production', tier });
    expect(notice.chat.content.description).not.toContain('<!here>');
    expect(notice.chat.content.description).not.toContain('<https://evil.example|run this>');
  });
});
