// The Queue Backup scenario's summary says what the decisions did, and `runbook demo` refuses a backlog its alarm would
// not fire on (review 23a R23a-19).
import { demoCommand } from '../../../cli/demo/index';
import { concurrencyLine, lowWaterLine } from '../../../cli/demo/scenarios/queue-backup';

describe('the Queue Backup summary', () => {
  it('says "(scaled)" and "(restored)" only when a scale-up and a restore were applied', () => {
    expect(concurrencyLine(50, 100, 50, true, true)).toBe('consumers MaximumConcurrency  50 -> 100 (scaled) -> 50 (restored)');
    expect(concurrencyLine(50, 50, 50, false, false)).toBe('consumers MaximumConcurrency  50 -> 50 (not scaled) -> 50 (no restore)');
    expect(concurrencyLine(50, 100, 100, true, false)).toBe('consumers MaximumConcurrency  50 -> 100 (scaled) -> 100 (no restore)');
  });

  it('takes the low-water line from the recorded transitions', () => {
    const name = 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)';
    const both = [
      { from: 'INSUFFICIENT_DATA', to: 'ALARM', at: 't+1.0s' },
      { from: 'ALARM', to: 'OK', at: 't+4.7s' },
    ];
    // --messages 500: the depth alarm never fired, but the low-water alarm did go ALARM -> OK.
    expect(lowWaterLine(name, both, false)).toBe(
      `low-water alarm               went OK, but not after a drain of the fired alarm: INSUFFICIENT_DATA -> ALARM at t+1.0s, ALARM -> OK at t+4.7s ("${name}")`,
    );
    expect(lowWaterLine(name, both, true)).toMatch(/^low-water alarm {15}went OK after the drain: /);
    expect(lowWaterLine(name, [], false)).toBe(`low-water alarm               did not go OK: no state change ("${name}")`);
  });
});

describe('runbook demo --messages', () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    jest.spyOn(console, 'error').mockImplementation((text: string) => void errors.push(text));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const options = (messages: number, only: string[] = []) => ({ environment: 'production' as const, messages, tickMs: 1, maxTicks: 1, logDir: '/nonexistent/demo', only });

  it.each([500, 1000])('refuses %i (at or under the queue alarm\'s 1000) with exit 64 before anything starts', async (messages) => {
    expect(await demoCommand(options(messages))).toBe(64);
    expect(errors.join('\n')).toContain(`--messages ${messages} is at or under the queue alarm's threshold (1000,`);
  });

});
