// The overrides one environment's handlers are given (decision 372): its own section of `environments`, everything else as is.
import { overridesForEnvironment } from '../../../shared/config/overrides-for-environment';
import type { EnvironmentName } from '../../../shared/config/schema';

const production = { resources: { queues: ['notification-service-email-queue'] } };
const staging = { scaleConsumers: { maxConcurrency: 150 } };

describe('overridesForEnvironment', () => {
  it.each<[string, unknown, EnvironmentName, unknown]>([
    ['keeps its own section and drops the others', { environments: { production, staging } }, 'production', { environments: { production } }],
    ['keeps every field that is no environment\'s, in its place', { service: 'notify', environments: { staging }, sdkTimeouts: { requestTimeoutMs: 5000 }, dependencies: { apis: [] } }, 'staging', { service: 'notify', environments: { staging }, sdkTimeouts: { requestTimeoutMs: 5000 }, dependencies: { apis: [] } }],
    ['drops `environments` when it has nothing for this one (the defaults apply, as without it)', { service: 'notify', environments: { staging } }, 'production', { service: 'notify' }],
    ['gives nothing when the overrides were only another environment\'s', { environments: { staging } }, 'development', {}],
    ['keeps an empty own section as given', { environments: { production: {}, staging } }, 'production', { environments: { production: {} } }],
    ['keeps an unknown key outside `environments` (validation, not narrowing, refuses it)', { colour: 'blue', environments: { staging } }, 'staging', { colour: 'blue', environments: { staging } }],
    ['leaves a document without `environments` as is', { service: 'notify' }, 'production', { service: 'notify' }],
    ['leaves `environments` that is not an object as is (validation refuses it first)', { environments: ['production'] }, 'production', { environments: ['production'] }],
    ['leaves a document that is not an object as is', ['not', 'an object'], 'production', ['not', 'an object']],
  ])('%s', (_, overrides, environment, expected) => {
    expect(overridesForEnvironment(overrides, environment)).toStrictEqual(expected);
  });

  it('does not change the overrides it narrows (infra narrows the same document once per stack)', () => {
    const overrides = { service: 'notify', environments: { production, staging } };
    const before = JSON.stringify(overrides);
    overridesForEnvironment(overrides, 'staging');
    overridesForEnvironment(overrides, 'production');
    expect(JSON.stringify(overrides)).toBe(before);
  });

  it('keeps the order of the fields, so the JSON reads as the file it came from', () => {
    const narrowed = overridesForEnvironment({ service: 'notify', environments: { staging, production }, dependencies: { apis: [] } }, 'production');
    expect(JSON.stringify(narrowed)).toBe(JSON.stringify({ service: 'notify', environments: { production }, dependencies: { apis: [] } }));
  });
});
