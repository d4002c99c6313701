// No handler may widen network access by itself: none declares an action that opens a port, a route or an address
// (infra grants each handler exactly the actions it declares), so the fix for a blocked path always goes through a person.
import { PIPELINE_ACTIONS, CROSS_ACCOUNT_ACTIONS } from '../../../shared/pipeline/pipeline-actions';
import { playbooks } from '../../../shared/playbooks/registry';
import { SERVICE_HANDLER_ACTIONS } from '../../../infra/lib/service-handlers';

/**
 * IAM actions that open network paths: security group and NACL rules, routes and route-table associations, internet and
 * NAT gateways, peering, public addresses, network-interface and subnet attributes, endpoint policies.
 */
const WIDENING = [
  /^ec2:(Authorize|Modify|Update)SecurityGroup/,
  /^ec2:ModifySecurityGroupRules$/,
  /^ec2:(Create|Replace)NetworkAclEntry/,
  /^ec2:(Create|Replace)Route/,
  /^ec2:(Create|Accept)VpcPeeringConnection/,
  /^ec2:(AssociateAddress|AllocateAddress)$/,
  /^ec2:ModifyVpcEndpoint$/,
  /^ec2:AttachInternetGateway$/,
  /^ec2:CreateNatGateway$/,
  /^ec2:AssociateRouteTable$/,
  /^ec2:ReplaceRouteTableAssociation$/,
  /^ec2:ModifyNetworkInterfaceAttribute$/,
  /^ec2:ModifySubnetAttribute$/,
  /^ec2:\*$/,
  /^rds:ModifyDBInstance$/,
  /^\*$/,
];

// rds:ModifyDBInstance can make an instance publicly accessible; the database playbook may only change its class,
// and only through its own reviewed call (shared/playbooks/cpu-utilization.ts): it is allowed here by name.
// verify-change reverts a class change through that same call, to the class the change started from.
const ALLOWED = new Map([
  ['scale-up-database', new Set(['rds:ModifyDBInstance'])],
  ['verify-change', new Set(['rds:ModifyDBInstance'])],
]);

const declarations: Array<[string, readonly string[]]> = [
  ...Object.values(playbooks).map((p): [string, readonly string[]] => [p.name, p.actions]),
  ...Object.entries(SERVICE_HANDLER_ACTIONS).map(([name, d]): [string, readonly string[]] => [name, d.actions]),
  ['pipeline (every alarm handler)', Object.values(PIPELINE_ACTIONS).flat()],
  ['cross-account mode', CROSS_ACCOUNT_ACTIONS],
];

function wideningIn(name: string, actions: readonly string[]): string[] {
  return actions.filter((action) => WIDENING.some((pattern) => pattern.test(action)) && !ALLOWED.get(name)?.has(action));
}

describe('network access', () => {
  it.each(declarations)('%s declares no action that widens network access', (name, actions) => {
    expect(wideningIn(name, actions)).toEqual([]);
  });

  // The check itself must be able to fail: a planted declaration carrying each kind of widening action is refused.
  it('refuses a planted declaration that widens network access in each way', () => {
    const planted = [
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:ModifySecurityGroupRules',
      'ec2:CreateNetworkAclEntry',
      'ec2:CreateRoute',
      'ec2:AcceptVpcPeeringConnection',
      'ec2:AssociateAddress',
      'ec2:ModifyVpcEndpoint',
      'ec2:AttachInternetGateway',
      'ec2:CreateNatGateway',
      'ec2:AssociateRouteTable',
      'ec2:ReplaceRouteTableAssociation',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:ModifySubnetAttribute',
      'ec2:*',
      'rds:ModifyDBInstance',
      '*',
    ];
    expect(wideningIn('planted-handler', [...planted, 'ec2:DescribeSecurityGroups', 'lambda:UpdateFunctionConfiguration'])).toEqual(planted);
  });
});
