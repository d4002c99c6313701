// ARN helpers: partitions by region, names out of ARNs.

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
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
