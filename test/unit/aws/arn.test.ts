// The one partitionOf / accountOfArn / functionNameFromArn (shared/aws/arn.ts), checked against AWS's partition table.
import { partition as sdkPartition } from '@aws-sdk/core/client';
import { accountOfArn, functionNameFromArn, isAwsRegion, partitionOf } from '../../../shared/aws/arn';

// Every region of every partition AWS publishes (the SDK's partitions.json, as of @aws-sdk/core 3.11xx), written out so a
// region family the code forgets fails here by name.
const REGIONS_BY_PARTITION: Record<string, readonly string[]> = {
  aws: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-south-2', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-north-1', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-eusc': ['eusc-de-east-1'],
};
const CASES = Object.entries(REGIONS_BY_PARTITION).flatMap(([partition, regions]) => regions.map((region) => [region, partition] as const));

describe('partitionOf', () => {
  it('covers all eight partitions', () => {
    expect(new Set(CASES.map(([, partition]) => partition)).size).toBe(8);
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

  it.each(['zz-east-1', 'eusc-fr-east-1', 'US-EAST-1', 'us-east', 'us-gov-west', 'us-east-1 ', 'arn:aws:cloudwatch:us-east-1', ''])('refuses %j', (region) => {
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
