// NotificationService-EscalateToNextTier rehearsed against the emulator: the document runs the real escalation-timer
// bundle, and the next tier really receives the incident.
import { decisionOf, expectSucceeded, paramArgs, rehearseDocument, runCli } from './support/rehearse-cli';
import { openIncident, type OpenIncident } from './support/open-incident';

const DOCUMENT = 'NotificationService-EscalateToNextTier';

describe(DOCUMENT, () => {
  let incident: OpenIncident;

  beforeAll(async () => {
    incident = await openIncident();
  });

  it('notifies the Cloud Infrastructure Team (L2) now instead of after L1 15 minutes', async () => {
    expect(await incident.item()).toMatchObject({ status: 'OPEN', level: 1 });

    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { IncidentId: incident.incidentId, Level: 2 }, incident.account.env);

    expectSucceeded({ status, result, stderr });
    expect(decisionOf(result, 'escalate')).toMatchObject({ action: 'escalated', delivered: [expect.objectContaining({ level: 2, tier: 'Cloud Infrastructure Team (L2)' })] });
    expect(result.steps.map((s) => `${s.step}:${s.status}`)).toEqual(['escalate:Success', 'checkEscalated:Success', 'tierNotified:Success']);
    const received = await incident.inbox.read();
    expect(received.map((m) => `${m.level}:${m.kind}:${m.channel}`).sort()).toEqual(['2:escalated:chat', '2:escalated:email']);
    expect(await incident.item()).toMatchObject({ status: 'OPEN', level: 2 });
  });

  // Decision 222: on real Automation this run ended Success with nobody paged; the document now fails itself with the
  // Lambda's answer (decision 211's branch and assertion).
  it('never notifies a tier twice: asked again for L2, the Lambda stops, nobody is paged, and the run fails with its answer', async () => {
    const { status, result, stderr } = await rehearseDocument(DOCUMENT, { IncidentId: incident.incidentId, Level: 2 }, incident.account.env);

    const answer = decisionOf(result, 'escalate');
    expect(answer).toMatchObject({ action: 'stopped', reason: 'tier L2 was already notified', delivered: [] });
    expect(status).toBe(1);
    expect(stderr).not.toContain('WARNING');
    expect(result.failure).toEqual({
      step: 'escalationNotMade',
      message: `$.AutomationExecution.AutomationExecutionStatus is "InProgress", expected ${JSON.stringify(`the escalation timer to have notified tier L2 of ${incident.incidentId}; it did not, escalation-timer answered ${JSON.stringify(answer)}`)}`,
    });
    expect(result.steps.map((s) => `${s.step}:${s.status}`)).toEqual(['escalate:Success', 'checkEscalated:Success', 'escalationNotMade:Failed']);
    expect(await incident.inbox.read()).toEqual([]);
    expect(await incident.item()).toMatchObject({ status: 'OPEN', level: 2 });
  });

  it('fails with the answer when the incident is acknowledged: L3 asked, nobody paged', async () => {
    const { status: acked } = await runCli(['ack', incident.incidentId], incident.account.env);
    expect(acked).toBe(0);
    expect(await incident.item()).toMatchObject({ status: 'ACKNOWLEDGED' });

    const { status, result } = await rehearseDocument(DOCUMENT, { IncidentId: incident.incidentId, Level: 3 }, incident.account.env);

    const answer = decisionOf(result, 'escalate');
    expect(answer).toMatchObject({ action: 'stopped', reason: expect.stringContaining('escalation stopped') });
    expect(status).toBe(1);
    expect(result.failure).toEqual({
      step: 'escalationNotMade',
      message: `$.AutomationExecution.AutomationExecutionStatus is "InProgress", expected ${JSON.stringify(`the escalation timer to have notified tier L3 of ${incident.incidentId}; it did not, escalation-timer answered ${JSON.stringify(answer)}`)}`,
    });
    expect(await incident.inbox.read()).toEqual([]);
    expect(await incident.item()).toMatchObject({ status: 'ACKNOWLEDGED', level: 2 });
  });

  it('refuses a level outside the escalation path before anything runs', async () => {
    const { status, stderr } = await runCli(['rehearse', DOCUMENT, ...paramArgs({ IncidentId: incident.incidentId, Level: 7 })], incident.account.env);

    expect(status).toBe(64);
    expect(stderr).toContain('Level: 7 is not one of 2, 3, 4');
    expect(await incident.item()).toMatchObject({ level: 2 });
  });
});
