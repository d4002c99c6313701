// The key a decision is claimed under: the alarm's state change, or one document run of it (decision 379).
import { incidentKeyOfRun, runbookRunKey } from '../../../shared/events/run-key';

const INCIDENT = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:Queue Depth > 1000 (notification-service-queue)#2026-12-07T22:20:00.000Z';

describe('run keys', () => {
  it.each([
    ['an alarm delivery: its incident key', INCIDENT, INCIDENT],
    ['a document run: the incident key it is about', runbookRunKey(INCIDENT, '4105a4fc-f944-11e6-9d32-8b2b8e1e5e9d'), INCIDENT],
    ['a key whose alarm name merely mentions a runbook', `${INCIDENT} #runbook`, `${INCIDENT} #runbook`],
  ])('%s', (_case, key, incident) => {
    expect(incidentKeyOfRun(key)).toBe(incident);
  });

  it('gives each execution of a document its own key on the same state change', () => {
    expect(runbookRunKey(INCIDENT, 'exec-1')).toBe(`${INCIDENT}#runbook:exec-1`);
    expect(runbookRunKey(INCIDENT, 'exec-1')).not.toBe(runbookRunKey(INCIDENT, 'exec-2'));
  });
});
