// NotificationService-AcknowledgeIncident (the escalation engineer's document) rehearsed against the emulator: it records
// the principal that started the execution (GetAutomationExecution's ExecutedBy, decision 174), never a typed name;
// its conditional UpdateItem acknowledges the incident once, and the escalation stops.
import { onCallSession, type OnCallSession } from '../integration/support/on-call-session';
import { decisionOf, expectSucceeded, rehearseDocument } from './support/rehearse-cli';
import { openIncident, type OpenIncident } from './support/open-incident';

describe('NotificationService-AcknowledgeIncident', () => {
  let incident: OpenIncident;
  let carol: OnCallSession;
  let dave: OnCallSession;

  beforeAll(async () => {
    incident = await openIncident();
    carol = await onCallSession(incident.account, 'carol');
    dave = await onCallSession(incident.account, 'dave');
  });

  it('records who started the execution as the acknowledger, the Note only beside it, and through which execution', async () => {
    // Carol's session, noting "dave": the record says carol did it.
    const { status, result, stderr } = await rehearseDocument(
      'NotificationService-AcknowledgeIncident',
      { IncidentId: incident.incidentId, Note: 'dave', StateTableName: incident.account.topology.stateTable.name },
      carol.env,
    );

    expectSucceeded({ status, result, stderr });
    expect(result.steps.map((s) => s.step)).toEqual(['whoStarted', 'acknowledge']);
    expect(result.outputs).toMatchObject({ 'acknowledge.Status': 'ACKNOWLEDGED', 'acknowledge.AcknowledgedBy': carol.arn });
    expect(await incident.item()).toMatchObject({
      status: 'ACKNOWLEDGED',
      acknowledgedBy: carol.arn,
      acknowledgedNote: 'dave',
      acknowledgedVia: `ssm:${result.executionId}`,
      acknowledgedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d_\d\d\.\d\d\.\d\d$/),
    });
  });

  it('fails without changing anything when the incident is no longer open, and the escalation stays stopped', async () => {
    const before = await incident.item();
    const again = await rehearseDocument(
      'NotificationService-AcknowledgeIncident',
      { IncidentId: incident.incidentId, StateTableName: incident.account.topology.stateTable.name },
      dave.env,
    );
    expect(again.status).toBe(1);
    expect(again.result.failure).toMatchObject({ step: 'acknowledge', message: expect.stringContaining('ConditionalCheckFailedException') });
    expect(await incident.item()).toEqual(before);

    const escalation = await rehearseDocument('NotificationService-EscalateToNextTier', { IncidentId: incident.incidentId, Level: 2 }, incident.account.env);
    expect(escalation.status).toBe(1); // decision 222: nobody notified, the document fails itself
    expect(decisionOf(escalation.result, 'escalate')).toMatchObject({ action: 'stopped', reason: expect.stringContaining(`acknowledged by ${carol.arn} (role OnCall verified; its session name "carol" is chosen by whoever assumed the role) (self-declared: "dave")`) });
    expect(await incident.inbox.read()).toEqual([]);
  });
});
