// decisionDetail: the decision's JSON for the bus, whole while its UTF-8 bytes are within 200,000 (PutEvents' entry is at
// most 256 KB), trimmed past it. A text short enough is not counted byte by byte (decision 332): the bound is on bytes, so
// a text of multi-byte characters past the bound in bytes, though not in characters, must still be trimmed.
import type { Decision } from '../../../shared/pipeline/types';
import { decisionDetail } from '../../../shared/report/decision-reporter';

function decision(findings: string[]): Decision {
  return {
    playbook: 'inspect-security-groups',
    outcome: 'escalate',
    reason: 'diagnosis: sg-0123 allows no ingress on tcp 5432 from sg-0456 (Lambda notification-service-consumer)',
    environment: 'production',
    region: 'us-east-1',
    findings,
    before: { rules: 3 },
    dryRun: false,
    decidedAt: '2026-12-07T14:00:00.000Z',
  };
}

describe('decisionDetail', () => {
  it('gives a decision of a few findings whole, as its JSON', () => {
    const small = decision(['RDS notification-service-db tcp 5432: reachable', 'ElastiCache notification-service-cache tcp 6379: blocked — sg-0789']);
    expect(decisionDetail(small)).toBe(JSON.stringify(small));
  });

  it.each([
    // 30 findings of 2,500 "€" (3 bytes each): 75,000 characters, 225,000 bytes.
    ['past the bound in bytes only (three-byte characters)', '€', 2_500, true],
    // 30 findings of 7,000 "é" (2 bytes each): 210,000 characters, 420,000 bytes.
    ['past it in characters and bytes', 'é', 7_000, true],
    // 30 findings of 2,500 "é": 75,000 characters (225,000 at 3 bytes a character), 150,000 bytes: whole.
    ['within it in bytes, though not at three bytes a character', 'é', 2_500, false],
  ])('a decision %s is trimmed only when its bytes pass 200,000', (_what, character, length, trimmed) => {
    const big = decision(Array.from({ length: 30 }, (_, i) => `${i}: ${character.repeat(length)}`));
    const detail = JSON.parse(decisionDetail(big)) as Partial<Decision> & { truncated?: boolean };
    if (trimmed) {
      expect(detail).toMatchObject({ truncated: true });
      expect(detail.findings).toHaveLength(20);
      expect(detail.before).toBeUndefined();
    } else {
      expect(detail).toEqual(big);
    }
  });
});
