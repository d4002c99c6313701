// The records' TTL (shared/state/record-expiry.ts), which both stores write as `expiresAt`: epoch seconds, `retentionDays`
// after the write, a fraction of a second dropped.
import { epochSeconds, expiresAtSeconds } from '../../../shared/state/record-expiry';

describe('record expiry', () => {
  it.each<[string, string, number, number]>([
    ['a claim written at 08:30:00.900 and kept 90 days (the default recordRetentionDays)', '2026-12-07T08:30:00.900Z', 90, Date.UTC(2027, 2, 7, 8, 30) / 1000],
    ['an escalation written on the last second of a year and kept 1 day', '2026-12-31T23:59:59.999Z', 1, Date.UTC(2027, 0, 1, 23, 59, 59) / 1000],
    ['a record kept 0 days: its TTL is the write itself', '2026-01-15T12:05:30.000Z', 0, Date.UTC(2026, 0, 15, 12, 5, 30) / 1000],
  ])('%s', (_case, writtenAt, retentionDays, expected) => {
    expect(expiresAtSeconds(new Date(writtenAt), retentionDays)).toBe(expected);
  });

  it('counts whole seconds since the epoch, dropping the fraction', () => {
    expect(epochSeconds(new Date('1970-01-01T00:00:01.999Z'))).toBe(1);
    expect(epochSeconds(new Date('2026-12-07T08:30:00.000Z'))).toBe(Date.UTC(2026, 11, 7, 8, 30) / 1000);
  });
});
