// effectiveMaxConnections answers each engine, class and parameter value once per container (decision 279): the cached
// answer is the one a fresh module computes, frozen, keyed so that no two inputs share an answer, and bounded.
import { answeredMaxConnectionsCount, effectiveMaxConnections, type MaxConnectionsInput } from '../../../shared/rds/effective-max-connections';

/** The answer of a module that has answered nothing yet. */
function freshAnswer(input: MaxConnectionsInput): unknown {
  let answer: unknown;
  jest.isolateModules(() => {
    const fresh = jest.requireActual<typeof import('../../../shared/rds/effective-max-connections')>('../../../shared/rds/effective-max-connections');
    answer = fresh.effectiveMaxConnections(input);
  });
  return answer;
}

const inputs: MaxConnectionsInput[] = [
  { engine: 'postgres', instanceClass: 'db.t3.medium' },
  { engine: 'postgres', instanceClass: 'db.t3.medium', parameterValue: '' },
  { engine: 'postgres', instanceClass: 'db.t3.medium', parameterValue: '1000' },
  // Written one after the other, these two inputs spell the same text: each keeps its own answer.
  { engine: 'postgres', instanceClass: 'db.t3.medium1000' },
  { engine: 'postgres', instanceClass: 'db.t3.medium', parameterValue: 'LEAST({DBInstanceClassMemory/9531392},300)' },
  { engine: 'postgres1', instanceClass: 'db.t3.medium' },
  { engine: 'mysql', instanceClass: 'db.r6g.large' },
  { engine: 'postgres', instanceClass: 'db.r6g.large', parameterValue: '{log(DBInstanceClassMemory/8187281418)*1000}' },
];

describe('effectiveMaxConnections, answered once per input', () => {
  it('gives each input, asked in any order and again, the answer a fresh module gives it', () => {
    for (const order of [inputs, [...inputs].reverse()]) {
      for (const input of [...order, ...order]) expect(effectiveMaxConnections(input)).toEqual(freshAnswer(input));
    }
    expect(effectiveMaxConnections(inputs[2] as MaxConnectionsInput).value).toBe(1000);
    expect(effectiveMaxConnections(inputs[3] as MaxConnectionsInput).explanation).toContain('not in the instance class table');
  });

  it('hands out a frozen answer, the same one each time', () => {
    const input = { engine: 'postgres', instanceClass: 'db.r6g.xlarge' };
    const answer = effectiveMaxConnections(input);
    expect(Object.isFrozen(answer)).toBe(true);
    expect(effectiveMaxConnections({ ...input })).toBe(answer);
  });

  it('never holds more than 256 inputs: 600 inputs asked twice from a fresh container, each answered right, leave 176', () => {
    jest.isolateModules(() => {
      const fresh = jest.requireActual<typeof import('../../../shared/rds/effective-max-connections')>('../../../shared/rds/effective-max-connections');
      let largest = 0;
      for (const _round of [1, 2]) {
        for (let i = 1; i <= 600; i += 1) {
          const answer = fresh.effectiveMaxConnections({ engine: 'postgres', instanceClass: 'db.t3.medium', parameterValue: String(i) });
          expect(answer).toMatchObject({ value: i, source: 'parameter-group', expression: String(i) });
          largest = Math.max(largest, fresh.answeredMaxConnectionsCount());
        }
      }
      expect(largest).toBe(256);
      // Round one leaves 513..600 (88); round two fills it with 1..168, empties it at 169 and at 425, and keeps 425..600.
      expect(fresh.answeredMaxConnectionsCount()).toBe(176);
    });
    expect(answeredMaxConnectionsCount()).toBeLessThanOrEqual(256);
  });
});
