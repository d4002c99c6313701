// ARN helpers: partitions by region, names and accounts out of ARNs. The one copy; pure.

/**
 * The partition of each region family, by the region's prefix. From the SDK's partition table
 * (@aws-sdk/core util-endpoints partitions.json, each partition's regionRegex): the more specific prefixes first, because
 * "us-iso-", "us-isob-", "us-isof-" and "us-gov-" all start with "us-". A region no prefix matches is in "aws".
 */
const PARTITION_BY_REGION_PREFIX: ReadonlyArray<readonly [prefix: string, partition: string]> = [
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
  ['cn-', 'aws-cn'],
];

/**
 * The region names of each partition, as the SDK's partition table writes them (@aws-sdk/core util-endpoints
 * partitions.js, each partition's regionRegex), with its `\w+` narrowed to the lowercase letters every region has.
 * AWS European Sovereign Cloud's eusc-de-east-1 is one of them: its first part has four letters, not two.
 */
// aws: (us|eu|ap|sa|ca|me|af|il|mx)-; aws-cn: cn-; aws-eusc: eusc-de-; aws-iso, -iso-b, -iso-f, aws-us-gov: us-iso-,
// us-isob-, us-isof-, us-gov-; aws-iso-e: eu-isoe-.
const REGION_NAME = /^(?:(?:us|eu|ap|sa|ca|me|af|il|mx|cn|eusc-de|us-iso|us-isob|us-isof|us-gov|eu-isoe)-[a-z]+-\d+)$/;

/** A region name of one of AWS's partitions (us-east-1, cn-north-1, us-gov-west-1, eusc-de-east-1, ...). */
export function isAwsRegion(region: string): boolean {
  return REGION_NAME.test(region);
}

/** The partition a region belongs to: us-east-1 -> aws, cn-north-1 -> aws-cn, us-isob-east-1 -> aws-iso-b, ... */
export function partitionOf(region: string): string {
  return PARTITION_BY_REGION_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier] -> name. A bare name is returned as is. */
export function functionNameFromArn(arnOrName: string): string {
  const parts = arnOrName.split(':');
  return parts.length >= 7 && parts[5] === 'function' ? (parts[6] ?? arnOrName) : arnOrName;
}

/** The 12-digit account id of an ARN, or undefined when there is none (a bare name, a malformed ARN). */
export function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
