// A gap of moto's Lambda filled for the gap proxy: moto 5.2.1 answers a function's VpcConfig.VpcId with the placeholder
// "vpc-123abc" (awslambda/models.py, `vpc_config`), where Lambda answers the VPC its subnets are in. Read-only.

/** The configuration object of a Lambda JSON answer that carries one (GetFunction: its Configuration), or undefined. */
function configurationOf(operation: string, record: Record<string, unknown>): Record<string, unknown> | undefined {
  const configuration = operation === 'GetFunction' ? record.Configuration : record;
  return typeof configuration === 'object' && configuration !== null ? (configuration as Record<string, unknown>) : undefined;
}

/** The first subnet of the function's VpcConfig in a JSON answer of `operation`, or undefined (none, or not JSON). */
export function vpcConfigSubnet(operation: string, body: Buffer): string | undefined {
  try {
    const record = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof record !== 'object' || record === null) return undefined;
    const vpcConfig = configurationOf(operation, record as Record<string, unknown>)?.VpcConfig as { SubnetIds?: unknown } | undefined;
    const [first] = Array.isArray(vpcConfig?.SubnetIds) ? (vpcConfig.SubnetIds as unknown[]) : [];
    return typeof first === 'string' && first !== '' ? first : undefined;
  } catch {
    return undefined;
  }
}

/** The answer with VpcConfig.VpcId set to `vpcId` (the VPC its subnets are in, as EC2 says), the rest as moto wrote it. */
export function withVpcId(operation: string, body: Buffer, vpcId: string): Buffer {
  const record = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const configuration = configurationOf(operation, record);
  if (!configuration || typeof configuration.VpcConfig !== 'object' || configuration.VpcConfig === null) return body;
  configuration.VpcConfig = { ...(configuration.VpcConfig as Record<string, unknown>), VpcId: vpcId };
  return Buffer.from(JSON.stringify(record));
}
