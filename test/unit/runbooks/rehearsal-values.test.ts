// Pure pieces of the rehearsal: parameters as StartAutomationExecution checks them, durations, output types.
import { stringify } from 'yaml';
import { parseRunbook } from '../../../shared/runbooks/document';
import { parseParameterArguments, resolveParameters, RehearsalInputError } from '../../../sandbox/rehearsal/parameters';
import { automationDateTime, durationMs, matchesDesired, normalizeResponse, resolveValue, typedOutput } from '../../../sandbox/rehearsal/values';

const model = parseRunbook(
  't.yaml',
  stringify({
    schemaVersion: '0.3',
    parameters: {
      Port: { type: 'Integer', allowedValues: [5432, 6379, 443] },
      Approvers: { type: 'StringList', allowedPattern: '^[a-z]+$', default: [] },
      Apply: { type: 'Boolean', default: true },
      Queue: { type: 'String', allowedPattern: '^[a-z-]+$', default: 'notification-service-queue' },
      Db: { type: 'String', description: 'the database' },
    },
    mainSteps: [{ name: 's', action: 'aws:sleep', inputs: { Duration: 'PT1S' } }],
  }),
).model!;

describe('rehearsal parameters', () => {
  it('types --param values and fills in defaults', () => {
    const given = parseParameterArguments(['Port=5432', 'Approvers=alice', 'Approvers=bob', 'Db=db1', 'Apply=false']);
    expect(resolveParameters(model, given)).toEqual({ Port: 5432, Approvers: ['alice', 'bob'], Apply: false, Queue: 'notification-service-queue', Db: 'db1' });
  });

  it('reads a StringList from comma-separated text or a JSON list', () => {
    expect(resolveParameters(model, { Db: ['d'], Port: ['443'], Approvers: ['alice, bob'] }).Approvers).toEqual(['alice', 'bob']);
    expect(resolveParameters(model, { Db: ['d'], Port: ['443'], Approvers: ['["carol"]'] }).Approvers).toEqual(['carol']);
  });

  it('refuses to start with every problem listed, as AWS does', () => {
    let error: unknown;
    try {
      resolveParameters(model, { Port: ['22'], Queue: ['Bad_Queue'], Approvers: ['Eve!'], Colour: ['red'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RehearsalInputError);
    expect((error as RehearsalInputError).problems).toEqual([
      'Colour: the document has no such parameter (it has Port, Approvers, Apply, Queue, Db)',
      'Port: 22 is not one of 5432, 6379, 443',
      'Approvers: "Eve!" does not match ^[a-z]+$',
      'Queue: "Bad_Queue" does not match ^[a-z-]+$',
      'Db: required (the database); pass --param Db=...',
    ]);
  });

  it.each(['Port', '=5432'])('refuses %j as a --param', (arg) => {
    expect(() => parseParameterArguments([arg])).toThrow('expected NAME=VALUE');
  });

  it('refuses an Integer parameter given as empty text', () => {
    expect(() => resolveParameters(model, parseParameterArguments(['Port=', 'Db=d']))).toThrow('Port (Integer): expected a whole number');
  });
});

describe('rehearsal values', () => {
  it.each([
    ['PT5M', 300_000],
    ['PT1H30M', 5_400_000],
    ['P1D', 86_400_000],
    ['PT0.5S', 500],
    ['P1W', 604_800_000],
  ])('reads the ISO 8601 duration %s as %d ms', (duration, ms) => {
    expect(durationMs(duration)).toBe(ms);
  });

  it.each(['5m', 'P', 'PT', 'PT5X'])('refuses %j as a duration', (duration) => {
    expect(() => durationMs(duration)).toThrow('not an ISO 8601 duration');
  });

  it('writes global:DATE_TIME as yyyy-MM-dd_HH.mm.ss', () => {
    expect(automationDateTime(new Date('2026-11-25T14:31:07.123Z'))).toBe('2026-11-25_14.31.07');
  });

  it.each<[string, unknown, unknown]>([
    ['String', 'db.r6g.large', 'db.r6g.large'],
    ['String', 42, '42'],
    ['Integer', 42, 42],
    ['Integer', '42', 42],
    ['Boolean', 'True', true],
    ['StringList', ['a', 1], ['a', '1']],
    ['StringMap', { a: 1 }, { a: 1 }],
    ['MapList', [{ a: 1 }], [{ a: 1 }]],
  ])('selects a %s output from %j', (type, value, expected) => {
    expect(typedOutput({ x: value }, '$.x', type, 'X')).toEqual(expected);
  });

  it('refuses an output it cannot convert, naming the output and the selector', () => {
    expect(() => typedOutput({ x: 'many' }, '$.x', 'Integer', 'Count')).toThrow('output Count: $.x selected many, which is not an integer');
  });

  it('keeps the type of a value that is one whole reference and writes references inside text as text', () => {
    const lookup = (e: string): unknown => ({ Port: 5432, Ids: ['a', 'b'] })[e];
    expect(resolveValue({ FromPort: '{{ Port }}', Ids: '{{Ids}}', Text: 'port {{ Port }} of {{ Ids }}' }, lookup)).toEqual({ FromPort: 5432, Ids: ['a', 'b'], Text: 'port 5432 of ["a","b"]' });
  });

  it.each<[unknown, string[], boolean]>([
    [false, ['False'], true],
    [true, ['true'], true],
    ['available', ['available', 'modifying'], true],
    [5, ['5'], true],
    ['stopped', ['running'], false],
  ])('matches %j against DesiredValues %j: %s', (actual, desired, expected) => {
    expect(matchesDesired(actual, desired)).toBe(expected);
  });
});

describe('a timestamp of an AWS answer as a document reads it (decision 171: the form Automation writes is not documented)', () => {
  const answer = { $metadata: { httpStatusCode: 200 }, MetricAlarms: [{ AlarmName: 'a', StateUpdatedTimestamp: new Date('2026-12-06T07:17:31.070Z'), StateTransitionedTimestamp: new Date('2026-12-06T07:17:31Z') }] };

  it.each([
    ['json, as JSON writes a Date (the default)', 'json', '2026-12-06T07:17:31.070Z', '2026-12-06T07:17:31.000Z'],
    ["Python's isoformat(), zero fraction dropped", 'isoformat', '2026-12-06T07:17:31.070000+00:00', '2026-12-06T07:17:31+00:00'],
    ["Python's str(), zero fraction dropped", 'str', '2026-12-06 07:17:31.070000+00:00', '2026-12-06 07:17:31+00:00'],
  ] as const)('%s', (_form, form, updated, transitioned) => {
    expect(normalizeResponse(answer, form)).toEqual({ MetricAlarms: [{ AlarmName: 'a', StateUpdatedTimestamp: updated, StateTransitionedTimestamp: transitioned }] });
  });
});
