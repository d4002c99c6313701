// The throttling and denial tests prove their fault fired with faultsFired: a test of that test helper, showing that a
// test whose fault injection is removed (or whose fault never reaches the code) fails instead of passing.
import { faultsFired, type ReportedFault } from '../../support/fault-evidence';

const throttle = { service: 'lambda', operation: 'UpdateEventSourceMapping', times: 2, status: 429, code: 'TooManyRequestsException' };

describe('faultsFired (the evidence every fault-injection test asserts)', () => {
  it('reports how often each injected fault fired', () => {
    const reported: ReportedFault[] = [{ ...throttle, accountId: '123456789012', remaining: 0 }];
    expect(faultsFired([throttle], reported)).toEqual([{ rule: throttle, fired: 2 }]);
  });

  it('throws when the injected fault never fired (fault counter 0): the test fails', () => {
    const reported: ReportedFault[] = [{ ...throttle, remaining: 2 }];
    expect(() => faultsFired([throttle], reported)).toThrow('never fired (0 of 2)');
  });

  it('throws when the fault injection was removed (the proxy holds no such rule): the test fails', () => {
    expect(() => faultsFired([throttle], [])).toThrow('is not in force at the proxy');
    // A rule for another operation does not count as this one's evidence.
    expect(() => faultsFired([throttle], [{ ...throttle, operation: 'GetEventSourceMapping', remaining: 0 }])).toThrow('is not in force');
  });
});
