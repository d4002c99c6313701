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
    const received = await incident.inbox.read();
    expect(received.map((m) => `${m.level}:${m.kind}:${m.channel}`).sort()).toEqual(['2:escalated:chat', '2:escalated:email']);
    expect(await incident.item()).toMatchObject({ status: 'OPEN', level: 2 });
  });

  it('never notifies a tier twice: asked again for L2, the Lambda stops and nobody is paged', async () => {
    const { status, result } = await rehearseDocument(DOCUMENT, { IncidentId: incident.incidentId, Level: 2 }, incident.account.env);

    expect(status).toBe(0);
    expect(decisionOf(result, 'escalate')).toMatchObject({ action: 'stopped', reason: expect.stringContaining('already notified') });
    expect(await incident.inbox.read()).toEqual([]);
  });

  it('refuses a level outside the escalation path before anything runs', async () => {
    const { status, stderr } = await runCli(['rehearse', DOCUMENT, ...paramArgs({ IncidentId: incident.incidentId, Level: 7 })], incident.account.env);

    expect(status).toBe(64);
    expect(stderr).toContain('Level: 7 is not one of 2, 3, 4');
    expect(await incident.item()).toMatchObject({ level: 2 });
  });
});
