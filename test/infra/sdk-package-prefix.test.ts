// SDK_PACKAGE_PREFIX (infra/lib/iam/api-actions.ts) names the IAM prefix of every SDK client package the project depends
// on: the IAM coverage scan attributes a bundle's commands through it, and a package missing from it made the scan throw
// only when a handler bundle carried it (@aws-sdk/client-cloudformation, decision 276, was in the cleanup's bundle alone).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_PACKAGE_PREFIX } from '../../infra/lib/iam/api-actions';

const dependencies = Object.keys((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
/** The packages whose commands call an AWS API: the service clients and lib-dynamodb (its commands wrap the client's). */
const sdkClientPackages = dependencies.filter((name) => /^@aws-sdk\/(client|lib)-/.test(name)).sort();

describe('SDK_PACKAGE_PREFIX', () => {
  it('names an IAM prefix for every SDK client package in package.json', () => {
    expect(sdkClientPackages).toEqual(expect.arrayContaining(['@aws-sdk/client-cloudformation', '@aws-sdk/client-ssm', '@aws-sdk/lib-dynamodb']));
    expect(sdkClientPackages.filter((name) => !(name in SDK_PACKAGE_PREFIX))).toEqual([]);
  });

  it('names no package the project does not depend on (a stale entry)', () => {
    expect(Object.keys(SDK_PACKAGE_PREFIX).filter((name) => !dependencies.includes(name))).toEqual([]);
  });

  it.each([
    ['@aws-sdk/client-cloudformation', 'cloudformation'],
    ['@aws-sdk/client-route-53', 'route53'],
  ])('gives %s the prefix %s (Service Authorization Reference)', (pkg, prefix) => {
    expect(SDK_PACKAGE_PREFIX[pkg]).toBe(prefix);
  });
});
