// NotificationService-AcknowledgeIncident (the escalation engineer's document) rehearsed against the emulator: its
// UpdateItem through the real SDK acknowledges the incident, and the escalation stops.
import { decisionOf, expectSucceeded, rehearseDocument } from './support/rehearse-cli';
import { openIncident, type OpenIncident } from './support/open-incident';

describe('NotificationService-AcknowledgeIncident', () => {
  let incident: OpenIncident;

  beforeAll(async () => {
    incident = await openIncident();
  });

  it('acknowledges the open incident, recording who and through which execution', async () => {
    const { status, result, stderr } = await rehearseDocument(
      'NotificationService-AcknowledgeIncident',
      { IncidentId: incident.incidentId, AcknowledgedBy: 'carol', StateTableName: incident.account.topology.stateTable.name },
      incident.account.env,
    );

    expectSucceeded({ status, result, stderr });
    expect(result.outputs).toMatchObject({ 'acknowledge.Status': 'ACKNOWLEDGED', 'acknowledge.AcknowledgedBy': 'carol' });
    expect(await incident.item()).toMatchObject({
      status: 'ACKNOWLEDGED',
      acknowledgedBy: 'carol',
      acknowledgedVia: `ssm:${result.executionId}`,
      acknowledgedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d_\d\d\.\d\d\.\d\d$/),
    });
  });

  it('fails without changing anything when the incident is no longer open, and the escalation stays stopped', async () => {
    const again = await rehearseDocument(
      'NotificationService-AcknowledgeIncident',
      { IncidentId: incident.incidentId, AcknowledgedBy: 'dave', StateTableName: incident.account.topology.stateTable.name },
      incident.account.env,
    );
    expect(again.status).toBe(1);
    expect(again.result.failure).toMatchObject({ step: 'acknowledge', message: expect.stringContaining('ConditionalCheckFailedException') });
    expect(await incident.item()).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'carol' });

    const escalation = await rehearseDocument('NotificationService-EscalateToNextTier', { IncidentId: incident.incidentId, Level: 2 }, incident.account.env);
    expect(decisionOf(escalation.result, 'escalate')).toMatchObject({ action: 'stopped', reason: expect.stringContaining('acknowledged by carol') });
    expect(await incident.inbox.read()).toEqual([]);
  });
});
