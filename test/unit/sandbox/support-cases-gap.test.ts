// DescribeCases as AWS filters and pages it, over moto's answer (every case at once, no zone on timeCreated).
import { describeCasesPage } from '../../../sandbox/support-cases-gap';

const moto = (count: number, from = Date.parse('2026-12-07T13:00:00Z')): string =>
  JSON.stringify({
    cases: Array.from({ length: count }, (_, i) => ({ caseId: `case-${i}`, subject: `s${i}`, timeCreated: new Date(from + i * 60_000).toISOString().replace('Z', '123') })),
    nextToken: 'echoed-by-moto',
  });

function page(request: Record<string, unknown>, answer: string): { cases: Array<{ caseId: string; timeCreated: string }>; nextToken?: string } {
  const reply = describeCasesPage(JSON.stringify(request), answer);
  if (!('json' in reply)) throw new Error(JSON.stringify(reply));
  return reply.json as { cases: Array<{ caseId: string; timeCreated: string }>; nextToken?: string };
}

describe('describeCasesPage', () => {
  it('keeps the cases created at or after afterTime (and not after beforeTime), timeCreated in UTC', () => {
    const answer = page({ afterTime: '2026-12-07T13:02:00Z', beforeTime: '2026-12-07T13:04:00.500Z' }, moto(6));
    expect(answer.cases.map((c) => c.caseId)).toEqual(['case-2', 'case-3', 'case-4']);
    expect(answer.cases[0]?.timeCreated).toBe('2026-12-07T13:02:00.000Z');
    expect(answer.nextToken).toBeUndefined();
  });

  it('pages by maxResults with its own token, the last page without one (moto echoes the token it was sent)', () => {
    const first = page({ maxResults: 10 }, moto(25));
    expect(first.cases).toHaveLength(10);
    const second = page({ maxResults: 10, nextToken: first.nextToken }, moto(25));
    const third = page({ maxResults: 10, nextToken: second.nextToken }, moto(25));
    expect([first, second, third].map((p) => p.cases[0]?.caseId)).toEqual(['case-0', 'case-10', 'case-20']);
    expect(third.cases).toHaveLength(5);
    expect(third.nextToken).toBeUndefined();
  });

  it.each([
    [{ maxResults: 5 }, 'maxResults must be 10 to 100, got 5'],
    [{ maxResults: 101 }, 'maxResults must be 10 to 100, got 101'],
    [{ afterTime: 'yesterday' }, 'afterTime is not an ISO 8601 time: yesterday'],
    [{ nextToken: 'echoed-by-moto' }, 'invalid nextToken: echoed-by-moto'],
  ])('refuses %j as AWS would', (request, message) => {
    expect(describeCasesPage(JSON.stringify(request), moto(3))).toEqual({ status: 400, error: { code: 'ValidationException', message } });
  });
});
