// Table-driven tests of effectiveMaxConnections: the parameter group's value, or the engine default from the class's memory.
import { effectiveMaxConnections } from '../../../shared/rds/effective-max-connections';
import { dbInstanceClassMemoryBytes, instanceClassMemoryGiB } from '../../../shared/rds/instance-class-memory';

describe('effectiveMaxConnections from the PostgreSQL default LEAST({DBInstanceClassMemory/9531392},5000)', () => {
  it.each([
    // The seed's ladders: development, staging, production and the classes above them.
    ['db.t3.medium', 414],
    ['db.t3.large', 855],
    ['db.r6g.large', 1738],
    ['db.r6g.xlarge', 3505],
    ['db.r6g.2xlarge', 5000],
    ['db.r6g.4xlarge', 5000],
    ['db.t4g.micro', 82],
    ['db.m6g.large', 855],
  ])('gives %s about %i connections', (instanceClass, expected) => {
    const result = effectiveMaxConnections({ engine: 'postgres', instanceClass });
    expect(result).toMatchObject({ value: expected, source: 'engine-default', estimated: true });
    expect(result.explanation).toContain('engine default LEAST({DBInstanceClassMemory/9531392},5000)');
  });

  it('stays within 1% of the max_connections PostgreSQL instances report for 4 GiB (413) and 8 GiB (856)', () => {
    const perGiB = (gib: number): number => Math.floor(dbInstanceClassMemoryBytes(gib) / 9531392);
    expect(Math.abs(perGiB(4) - 413) / 413).toBeLessThan(0.01);
    expect(Math.abs(perGiB(8) - 856) / 856).toBeLessThan(0.01);
  });
});

describe('effectiveMaxConnections from the parameter group', () => {
  it.each<[string, string, string, number, boolean]>([
    ['a fixed value set by the DBA', '1000', 'db.r6g.xlarge', 1000, false],
    ['the formula without the 5000 cap', '{DBInstanceClassMemory/9531392}', 'db.r6g.2xlarge', 7038, true],
    ['a GREATEST floor for a tiny instance', 'GREATEST({DBInstanceClassMemory/9531392},100)', 'db.t3.micro', 100, true],
    ['a formula with spaces and a lower-case function', 'least( {DBInstanceClassMemory/9531392} , 2000 )', 'db.r6g.xlarge', 2000, true],
    ['a multiply-then-divide formula', '{DBInstanceClassMemory*2/19062784}', 'db.t3.medium', 414, true],
    ['SUM of a formula and a reserve', 'SUM({DBInstanceClassMemory/9531392},10)', 'db.t3.medium', 424, true],
  ])('reads %s (%s on %s) as %i', (_situation, parameterValue, instanceClass, expected, estimated) => {
    expect(effectiveMaxConnections({ engine: 'postgres', instanceClass, parameterValue })).toMatchObject({
      value: expected,
      source: 'parameter-group',
      expression: parameterValue.trim(),
      estimated,
    });
  });

  it('uses the MySQL default for MySQL: about 1300 on 16 GiB, as the RDS quotas page says', () => {
    expect(effectiveMaxConnections({ engine: 'mysql', instanceClass: 'db.r6g.large' }).value).toBe(1317);
  });
});

describe('effectiveMaxConnections when it cannot tell', () => {
  it.each<[string, { engine: string; instanceClass: string; parameterValue?: string }, string]>([
    ['a class missing from the memory table', { engine: 'postgres', instanceClass: 'db.x9.large' }, 'not in the instance class table'],
    ['an engine without a known default', { engine: 'sqlserver-ee', instanceClass: 'db.r6g.large' }, 'no known default for engine sqlserver-ee'],
    ['a log expression', { engine: 'postgres', instanceClass: 'db.r6g.large', parameterValue: '{log(DBInstanceClassMemory/8187281418)*1000}' }, 'not evaluated'],
    ['a variable it does not know', { engine: 'postgres', instanceClass: 'db.r6g.large', parameterValue: '{DBInstanceVCPU*100}' }, 'DBInstanceVCPU is not known'],
  ])('gives no value for %s, and says why', (_situation, input, why) => {
    const result = effectiveMaxConnections(input);
    expect(result.value).toBeUndefined();
    expect(result.explanation).toContain(why);
  });
});

describe('instance class memory table', () => {
  it.each([
    ['db.t3.medium', 4],
    ['db.t3.large', 8],
    ['db.r6g.large', 16],
    ['db.r6g.xlarge', 32],
    ['db.r6g.2xlarge', 64],
    ['db.r6g.4xlarge', 128],
    ['db.r6g.16xlarge', 512],
    ['db.m5.24xlarge', 384],
  ])('%s has %i GiB', (instanceClass, gib) => {
    expect(instanceClassMemoryGiB(instanceClass)).toBe(gib);
  });

  it('lists no size a family does not offer', () => {
    expect(instanceClassMemoryGiB('db.r6g.24xlarge')).toBeUndefined();
  });
});
