// A cross-Region RDS read replica (CreateDBInstanceReadReplica whose source is another region's ARN) placed and encrypted
// as RDS places it, where moto 5.2.1 does not (review 23b, R23b-1: FailbackToPrimary's replica in the wrong place has to
// be creatable here, so its pre-approval check can be seen to refuse it). moto copies the source instance: its DB subnet
// group (a group of the source's region), its VPC security groups, KMS key, Multi-AZ; and it looks a DBSubnetGroupName
// given up in the source's region, so a group of the destination fails with DBSubnetGroupNotFoundFault. RDS
// (CreateDBInstanceReadReplica, API reference):
// - KmsKeyId: "If you create an encrypted read replica in a different Amazon Web Services Region, then you must specify a
//   KMS key identifier for the destination Amazon Web Services Region" - refused here without one (the message is ours,
//   InvalidParameterCombination RDS's code for a parameter missing for a combination);
// - DBSubnetGroupName: "must be in the same Amazon Web Services Region in which the operation is running"; without one the
//   replica is not in a VPC of the caller's choosing: the region's default VPC (its "default" group: made here from the
//   default VPC's subnets when moto has none);
// - VpcSecurityGroupIds: default, the default security group of the VPC (DB instance's VPC default group);
// - MultiAZ: default false.
// The proxy forwards the call without DBSubnetGroupName and VpcSecurityGroupIds, then sets both with ModifyDBInstance in
// the destination region (moto's ModifyDBInstance looks the group up there) and answers with the instance as it is then.
import { CreateDBSubnetGroupCommand, DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';

/** The region of an RDS instance ARN, or undefined for anything else (an identifier of the caller's region). */
export function regionOfRdsArn(source: string): string | undefined {
  return /^arn:[^:]+:rds:([^:]+):[^:]*:db:[^:]+$/.exec(source)?.[1];
}

export interface CrossRegionReplicaClients {
  /** moto's RDS in the source's region and in the caller's. */
  sourceRds: RDSClient;
  rds: RDSClient;
  ec2: EC2Client;
}

export type CrossRegionReplicaPlan =
  | { refusal: { status: number; code: string; message: string } }
  | {
      /** The request moto is sent: without DBSubnetGroupName and VpcSecurityGroupIds, MultiAZ false unless asked. */
      forward: URLSearchParams;
      /** What ModifyDBInstance then sets, in the caller's region. */
      place: { identifier: string; subnetGroupName: string; securityGroupIds: string[] };
    };

function awsName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** The caller's region's "default" DB subnet group: the default VPC's subnets, made when moto has none. */
async function defaultSubnetGroup(clients: CrossRegionReplicaClients): Promise<{ name: string; vpcId: string | undefined }> {
  try {
    const found = (await clients.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'default' }))).DBSubnetGroups?.[0];
    return { name: 'default', vpcId: found?.VpcId };
  } catch (error) {
    if (awsName(error) !== 'DBSubnetGroupNotFoundFault') throw error;
  }
  const vpcId = (await clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId;
  if (!vpcId) throw new Error('the region has no default VPC for a replica created without a DB subnet group');
  const subnets = (await clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
  await clients.rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'default', DBSubnetGroupDescription: 'default', SubnetIds: subnets.flatMap((s) => (s.SubnetId ? [s.SubnetId] : [])) }));
  return { name: 'default', vpcId };
}

/**
 * What to do with a CreateDBInstanceReadReplica `form` whose source is an instance of another region: RDS's refusal, or
 * the request to forward and the placement to give the replica after it. Reads only (and makes the "default" group).
 */
export async function planCrossRegionReplica(form: URLSearchParams, clients: CrossRegionReplicaClients): Promise<CrossRegionReplicaPlan> {
  const source = form.get('SourceDBInstanceIdentifier') ?? '';
  const sourceId = source.slice(source.lastIndexOf(':') + 1);
  const sourceDb = (await clients.sourceRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: sourceId }))).DBInstances?.[0];
  if (sourceDb?.StorageEncrypted && !form.get('KmsKeyId')) {
    return {
      refusal: {
        status: 400,
        code: 'InvalidParameterCombination',
        message: `${source} is encrypted: a read replica of it in another region needs KmsKeyId, a KMS key of that region`,
      },
    };
  }
  let subnetGroup: { name: string; vpcId: string | undefined };
  const asked = form.get('DBSubnetGroupName');
  if (asked) {
    try {
      subnetGroup = { name: asked, vpcId: (await clients.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: asked }))).DBSubnetGroups?.[0]?.VpcId };
    } catch (error) {
      if (awsName(error) !== 'DBSubnetGroupNotFoundFault') throw error;
      return { refusal: { status: 404, code: 'DBSubnetGroupNotFoundFault', message: `DBSubnetGroup ${asked} not found.` } };
    }
  } else {
    subnetGroup = await defaultSubnetGroup(clients);
  }
  const groups = [...form.entries()].filter(([name]) => /^VpcSecurityGroupIds\.(member|VpcSecurityGroupId)\.\d+$/.test(name)).map(([, value]) => value);
  if (groups.length === 0) {
    const found = (
      await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [subnetGroup.vpcId ?? ''] }, { Name: 'group-name', Values: ['default'] }] }))
    ).SecurityGroups?.[0]?.GroupId;
    if (found) groups.push(found);
  }
  const forward = new URLSearchParams([...form.entries()].filter(([name]) => name !== 'DBSubnetGroupName' && !name.startsWith('VpcSecurityGroupIds.')));
  if (!forward.has('MultiAZ')) forward.set('MultiAZ', 'false');
  return { forward, place: { identifier: form.get('DBInstanceIdentifier') ?? '', subnetGroupName: subnetGroup.name, securityGroupIds: groups } };
}

/** Gives the replica moto made the placement planned (in the caller's region, where moto looks the group up). */
export async function placeCrossRegionReplica(place: { identifier: string; subnetGroupName: string; securityGroupIds: string[] }, rds: RDSClient): Promise<void> {
  await rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: place.identifier,
      DBSubnetGroupName: place.subnetGroupName,
      ...(place.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: place.securityGroupIds } : {}),
      ApplyImmediately: true,
    }),
  );
}
