// The gap proxy's fill of moto's placeholder VpcConfig.VpcId (sandbox/lambda-vpc-id.ts): where the answer carries the
// function's VpcConfig, and that only VpcId changes.
import { vpcConfigSubnet, withVpcId } from '../../../sandbox/lambda-vpc-id';

// moto 5.2.1's GetFunctionConfiguration answer for a function in two subnets (awslambda/models.py, vpc_config).
const configuration = { FunctionName: 'consumer', Timeout: 30, VpcConfig: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'], VpcId: 'vpc-123abc' } };
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('the gap proxy fills VpcConfig.VpcId moto answers with a placeholder', () => {
  it.each<[string, string, Buffer, string | undefined]>([
    ['GetFunctionConfiguration: at the top', 'GetFunctionConfiguration', json(configuration), 'subnet-a'],
    ['GetFunction: in Configuration', 'GetFunction', json({ Configuration: configuration, Code: {} }), 'subnet-a'],
    ['a function outside any VPC (no VpcConfig)', 'GetFunctionConfiguration', json({ FunctionName: 'consumer' }), undefined],
    ['a VpcConfig without subnets', 'GetFunctionConfiguration', json({ VpcConfig: { SubnetIds: [], SecurityGroupIds: [] } }), undefined],
    ['not JSON', 'GetFunctionConfiguration', Buffer.from('<html>'), undefined],
  ])('the subnet whose VPC is asked for: %s', (_case, operation, body, subnet) => {
    expect(vpcConfigSubnet(operation, body)).toBe(subnet);
  });

  it('changes only VpcId, where each operation carries it', () => {
    expect(JSON.parse(withVpcId('GetFunctionConfiguration', json(configuration), 'vpc-0real').toString())).toEqual({ ...configuration, VpcConfig: { ...configuration.VpcConfig, VpcId: 'vpc-0real' } });
    expect(JSON.parse(withVpcId('GetFunction', json({ Configuration: configuration, Code: {} }), 'vpc-0real').toString())).toEqual({
      Configuration: { ...configuration, VpcConfig: { ...configuration.VpcConfig, VpcId: 'vpc-0real' } },
      Code: {},
    });
  });
});
