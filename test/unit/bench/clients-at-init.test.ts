// Every handler constructs at init exactly the SDK clients its floor declares there, one of each (bench/floors.ts): no
// client built twice, none the floor does not build (decision 113). Counted by constructing through the real client
// classes, subclassed to record each construction; each handler's module imported fresh, as a cold start does.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HANDLER_FLOORS } from '../../../bench/floors';
import { loadHandler } from '../../support/load-handler';

const mockConstructed = (): string[] => ((globalThis as { __clientsAtInit?: string[] }).__clientsAtInit ??= []);

function mockCounting(packageName: string): Record<string, unknown> {
  const actual = jest.requireActual<Record<string, unknown>>(packageName);
  const counted: Record<string, unknown> = { ...actual };
  for (const [name, value] of Object.entries(actual)) {
    if (!/Client$/.test(name) || typeof value !== 'function' || name === 'Client') continue;
    const Base = value as new (...args: unknown[]) => object;
    counted[name] = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        mockConstructed().push(name);
      }
    };
  }
  return counted;
}

jest.mock('@aws-sdk/client-api-gateway', () => mockCounting('@aws-sdk/client-api-gateway'));
jest.mock('@aws-sdk/client-apigatewayv2', () => mockCounting('@aws-sdk/client-apigatewayv2'));
jest.mock('@aws-sdk/client-cloudwatch', () => mockCounting('@aws-sdk/client-cloudwatch'));
jest.mock('@aws-sdk/client-cloudwatch-logs', () => mockCounting('@aws-sdk/client-cloudwatch-logs'));
jest.mock('@aws-sdk/client-dynamodb', () => mockCounting('@aws-sdk/client-dynamodb'));
jest.mock('@aws-sdk/client-ec2', () => mockCounting('@aws-sdk/client-ec2'));
jest.mock('@aws-sdk/client-elasticache', () => mockCounting('@aws-sdk/client-elasticache'));
jest.mock('@aws-sdk/client-eventbridge', () => mockCounting('@aws-sdk/client-eventbridge'));
jest.mock('@aws-sdk/client-lambda', () => mockCounting('@aws-sdk/client-lambda'));
jest.mock('@aws-sdk/client-rds', () => mockCounting('@aws-sdk/client-rds'));
jest.mock('@aws-sdk/client-scheduler', () => mockCounting('@aws-sdk/client-scheduler'));
jest.mock('@aws-sdk/client-sns', () => mockCounting('@aws-sdk/client-sns'));
jest.mock('@aws-sdk/client-sqs', () => mockCounting('@aws-sdk/client-sqs'));
jest.mock('@aws-sdk/client-ssm', () => mockCounting('@aws-sdk/client-ssm'));
jest.mock('@aws-sdk/client-sts', () => mockCounting('@aws-sdk/client-sts'));
jest.mock('@aws-sdk/client-support', () => mockCounting('@aws-sdk/client-support'));

const HANDLERS = readdirSync(join(__dirname, '..', '..', '..', 'handlers'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

function countsAtInit(handler: string): Record<string, number> {
  const saved = { ...process.env };
  Object.assign(process.env, { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  mockConstructed().length = 0;
  try {
    loadHandler(handler);
  } finally {
    process.env = saved;
  }
  const counts: Record<string, number> = {};
  for (const name of mockConstructed()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

describe('SDK clients constructed at init', () => {
  it('covers every handler', () => {
    expect(HANDLERS).toEqual(Object.keys(HANDLER_FLOORS).sort());
  });

  it.each(HANDLERS.map((h) => [h]))('%s: one of each client its floor builds at init, and no other', (handler) => {
    const expected = Object.fromEntries((HANDLER_FLOORS[handler] ?? []).filter((c) => !c.lazy).map((c) => [c.className, 1]));
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(5);
    expect(countsAtInit(handler)).toEqual(expected);
  });
});
