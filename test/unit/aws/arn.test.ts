// The one partitionOf / accountOfArn / functionNameFromArn (shared/aws/arn.ts), checked against AWS's partition table.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { partition as sdkPartition } from '@aws-sdk/core/client';
import { z } from 'zod';
import { accountOfArn, functionNameFromArn, isAwsRegion, partitionOf } from '../../../shared/aws/arn';

// The regions of the installed SDK's partition table (@aws-sdk/core's partitions.js, the data its endpoint resolver
// uses; it has no public accessor, so the file is read and its object parsed). Every non-global region of every
// partition is a case by name, so an SDK update that adds a region family the code does not know fails here.
const PartitionTable = z.object({ partitions: z.array(z.object({ id: z.string(), regions: z.record(z.string(), z.unknown()) })) });
function sdkRegionTable(): Record<string, readonly string[]> {
  const file = join(dirname(require.resolve('@aws-sdk/core/package.json')), 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js');
  const text = readFileSync(file, 'utf8');
  const table = PartitionTable.parse(JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as unknown);
  // "aws-global", "aws-cn-global", ...: the partitions' pseudo-regions for global endpoints, not region names.
  return Object.fromEntries(table.partitions.map((p) => [p.id, Object.keys(p.regions).filter((r) => !r.endsWith('-global'))]));
}
const REGIONS_BY_PARTITION = sdkRegionTable();
const CASES = Object.entries(REGIONS_BY_PARTITION).flatMap(([partition, regions]) => regions.map((region) => [region, partition] as const));

// Written out: the regions of each partition this project relies on, so a table that failed to read (or shrank)
// cannot pass with fewer cases.
const KNOWN_REGIONS: Record<string, readonly string[]> = {
  aws: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-south-2', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-north-1', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-eusc': ['eusc-de-east-1'],
};

describe("the installed SDK's partition table", () => {
  it.each(Object.entries(KNOWN_REGIONS))('lists the known regions of partition %s', (partition, regions) => {
    expect(REGIONS_BY_PARTITION[partition]).toEqual(expect.arrayContaining([...regions]));
  });
});

describe('partitionOf', () => {
  it('covers all eight partitions', () => {
    expect(new Set(CASES.map(([, partition]) => partition))).toEqual(new Set(Object.keys(KNOWN_REGIONS)));
  });

  it.each(CASES)('puts %s in partition %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });

  it.each(CASES)('agrees with the SDK endpoint resolver on %s', (region) => {
    // The SDK's own resolver is the independent oracle: it matches each partition's regionRegex.
    expect(partitionOf(region)).toBe(sdkPartition(region).name);
  });

  it('puts a region it does not know in the commercial partition, as the SDK does', () => {
    expect(partitionOf('ap-future-9')).toBe('aws');
    expect(sdkPartition('ap-future-9').name).toBe('aws');
  });
});

describe('isAwsRegion (decision 129)', () => {
  it.each(CASES)('takes %s (partition %s)', (region) => {
    expect(isAwsRegion(region)).toBe(true);
  });

  // us-EAST-1 and us-east_x-1: the SDK's regionRegex has `\w+` there, which takes both; no region is written so.
  it.each(['zz-east-1', 'eusc-fr-east-1', 'US-EAST-1', 'us-EAST-1', 'us-east_x-1', 'us-east', 'us-gov-west', 'us-east-1 ', 'arn:aws:cloudwatch:us-east-1', ''])('refuses %j', (region) => {
    expect(isAwsRegion(region)).toBe(false);
  });
});

describe('accountOfArn', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:123456789012:function:notification-runbooks-scale-consumers', '123456789012'],
    ['arn:aws-cn:sqs:cn-north-1:210987654321:notification-service-queue', '210987654321'],
    ['arn:aws-iso-b:cloudwatch:us-isob-east-1:111122223333:alarm:x', '111122223333'],
    ['arn:aws:iam::444455556666:role/r', '444455556666'],
    ['arn:aws:s3:::bucket', undefined],
    ['notification-service-queue', undefined],
    ['arn:aws:sqs:us-east-1:12345:q', undefined],
    [undefined, undefined],
  ])('reads the account of %s as %s', (arn, account) => {
    expect(accountOfArn(arn)).toBe(account);
  });
});

describe('functionNameFromArn', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:123456789012:function:consumer', 'consumer'],
    ['arn:aws:lambda:us-east-1:123456789012:function:consumer:live', 'consumer'],
    ['consumer', 'consumer'],
  ])('reads the function of %s as %s', (arn, name) => {
    expect(functionNameFromArn(arn)).toBe(name);
  });
});
