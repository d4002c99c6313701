// `runbook incidents`' RE-OPENED column: how often a flapping alarm's incident came back (decisions 204, 212).
import { refusedIncidentsNote, reopenedColumn } from '../../../cli/incidents';

describe('runbook incidents RE-OPENED column', () => {
  it.each([
    ['an incident that never re-opened (no count written)', {}, '-'],
    ['an item written with a zero count', { reopens: 0 }, '-'],
    ['one re-fire after it cleared', { reopens: 1, firstAlarmTime: '2026-12-06T10:25:00.000+0000' }, '1 (fired 2x since 2026-12-06T10:25:00.000+0000)'],
    ['the review\'s flap: ALARM, OK, ALARM, OK, ALARM', { reopens: 2, firstAlarmTime: '2026-12-06T10:25:00.000+0000' }, '2 (fired 3x since 2026-12-06T10:25:00.000+0000)'],
    ['a re-opened item without its first state change (written before 204 kept it): its own alarm time', { reopens: 3 }, '3 (fired 4x since 2026-12-06T11:00:00.000+0000)'],
  ])('%s', (_case, fields, expected) => {
    expect(reopenedColumn({ alarmTime: '2026-12-06T11:00:00.000+0000', ...fields })).toBe(expected);
  });
});

describe('runbook incidents names the records it refused (decision 300)', () => {
  it('each refused record by key and fields, and that its ladder is not swept', () => {
    expect(refusedIncidentsNote([{ key: { pk: 'ESCALATION-OPEN', sk: 't#x' }, issues: ['incidentId: must be an incident id (inc- and 12 hex digits)'] }])).toBe(
      [
        "REFUSED: 1 record of the open incidents is not as the automation writes it (forged, corrupted, or a newer release's); not listed, and the escalation sweep does not climb its ladder:",
        '  ESCALATION-OPEN / t#x: incidentId: must be an incident id (inc- and 12 hex digits)',
        'Read the record (aws dynamodb get-item) before trusting or deleting it.',
      ].join('\n'),
    );
  });
});
