// identifyOperation against request shapes captured from the installed AWS SDK v3 clients.
import { identifyOperation, narrowHttpApiIdPath, widenHttpApiIds, type AwsOperation } from '../../../sandbox/gap-proxy';

type Headers = Record<string, string | string[] | undefined>;

// Authorization header exactly as SDK v3 signs it; only the credential scope matters here.
function sigv4(service: string, accessKeyId = 'AKIA111122223333MOTO', region = 'eu-west-1'): string {
  return (
    `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261125/${region}/${service}/aws4_request, ` +
    'SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-user-agent, ' +
    'Signature=1a978d863edf0a2aa48ac017a8515b245414c8c2fe16fd4547b7094a6d189ab0'
  );
}

function restJson(service: string, method: string, path: string, body = ''): { method: string; path: string; headers: Headers; body: string } {
  const headers: Headers = { host: '127.0.0.1:4566', authorization: sigv4(service), 'x-amz-date': '20261125T133341Z' };
  if (body) headers['content-type'] = 'application/json';
  return { method, path, headers, body };
}

function jsonRpc(service: string, target: string, contentType: string, body: string): { method: string; path: string; headers: Headers; body: string } {
  return {
    method: 'POST',
    path: '/',
    headers: { authorization: sigv4(service), 'content-type': contentType, 'x-amz-target': target },
    body,
  };
}

function query(service: string, body: string): { method: string; path: string; headers: Headers; body: string } {
  return {
    method: 'POST',
    path: '/',
    headers: { authorization: sigv4(service), 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  };
}

const account = { accountId: '111122223333' };

describe('identifyOperation', () => {
  it.each<[string, ReturnType<typeof restJson>, AwsOperation]>([
    [
      'Lambda UpdateEventSourceMapping raising an SQS consumer to 20 concurrent batches',
      restJson('lambda', 'PUT', '/2015-03-31/event-source-mappings/a1b2c3d4-5678-90ab-cdef-11111EXAMPLE', '{"ScalingConfig":{"MaximumConcurrency":20}}'),
      { service: 'lambda', operation: 'UpdateEventSourceMapping', ...account },
    ],
    [
      'Lambda GetEventSourceMapping by UUID',
      restJson('lambda', 'GET', '/2015-03-31/event-source-mappings/a1b2c3d4-5678-90ab-cdef-11111EXAMPLE'),
      { service: 'lambda', operation: 'GetEventSourceMapping', ...account },
    ],
    [
      'Lambda ListEventSourceMappings filtered by function',
      restJson('lambda', 'GET', '/2015-03-31/event-source-mappings?FunctionName=notification-consumer'),
      { service: 'lambda', operation: 'ListEventSourceMappings', ...account },
    ],
    [
      'Lambda CreateEventSourceMapping for the notification queue',
      restJson('lambda', 'POST', '/2015-03-31/event-source-mappings', '{"FunctionName":"notification-consumer"}'),
      { service: 'lambda', operation: 'CreateEventSourceMapping', ...account },
    ],
    // API Gateway (REST APIs), as the connection-timeout playbook reads the API: recorded by name, so a test that
    // counts mutations does not see an unknown call (an unknown operation counts as one).
    ['API Gateway GetRestApis, a page', restJson('apigateway', 'GET', '/restapis?limit=500'), { service: 'apigateway', operation: 'GetRestApis', ...account }],
    ['API Gateway GetRestApi by id', restJson('apigateway', 'GET', '/restapis/a1b2c3d4e5'), { service: 'apigateway', operation: 'GetRestApi', ...account }],
    ['API Gateway GetStage', restJson('apigateway', 'GET', '/restapis/a1b2c3d4e5/stages/prod'), { service: 'apigateway', operation: 'GetStage', ...account }],
    ['API Gateway GetStages', restJson('apigateway', 'GET', '/restapis/a1b2c3d4e5/stages'), { service: 'apigateway', operation: 'GetStages', ...account }],
    ['API Gateway GetResources with methods', restJson('apigateway', 'GET', '/restapis/a1b2c3d4e5/resources?embed=methods&limit=500'), { service: 'apigateway', operation: 'GetResources', ...account }],
    [
      'API Gateway GetIntegration',
      restJson('apigateway', 'GET', '/restapis/a1b2c3d4e5/resources/abc123/methods/POST/integration'),
      { service: 'apigateway', operation: 'GetIntegration', ...account },
    ],
    // API Gateway v2 (HTTP APIs) is signed as "apigateway" too: named apigatewayv2 by its /v2/ path, so v2's GetStage is
    // not v1's and a fault can target it.
    ['API Gateway v2 GetApis, a page', restJson('apigateway', 'GET', '/v2/apis?nextToken=p2'), { service: 'apigatewayv2', operation: 'GetApis', ...account }],
    ['API Gateway v2 GetApi by id', restJson('apigateway', 'GET', '/v2/apis/h1t2t3p4a5'), { service: 'apigatewayv2', operation: 'GetApi', ...account }],
    ['API Gateway v2 GetStage $default', restJson('apigateway', 'GET', '/v2/apis/h1t2t3p4a5/stages/%24default'), { service: 'apigatewayv2', operation: 'GetStage', ...account }],
    ['API Gateway v2 GetStages', restJson('apigateway', 'GET', '/v2/apis/h1t2t3p4a5/stages'), { service: 'apigatewayv2', operation: 'GetStages', ...account }],
    ['API Gateway v2 GetIntegrations', restJson('apigateway', 'GET', '/v2/apis/h1t2t3p4a5/integrations'), { service: 'apigatewayv2', operation: 'GetIntegrations', ...account }],
    ['API Gateway v2 GetRoutes', restJson('apigateway', 'GET', '/v2/apis/h1t2t3p4a5/routes'), { service: 'apigatewayv2', operation: 'GetRoutes', ...account }],
    [
      'API Gateway v2 UpdateIntegration (a write: the owner sets the timeout)',
      restJson('apigateway', 'PATCH', '/v2/apis/h1t2t3p4a5/integrations/int1', '{"timeoutInMillis":12000}'),
      { service: 'apigatewayv2', operation: 'UpdateIntegration', ...account },
    ],
    [
      'Lambda GetFunctionEventInvokeConfig (preflight reads the failure destination)',
      restJson('lambda', 'GET', '/2019-09-25/functions/notification-runbooks-scale-consumers/event-invoke-config'),
      { service: 'lambda', operation: 'GetFunctionEventInvokeConfig', ...account },
    ],
    // Route 53 (REST-XML), as the failover documents call it: named so a fault can target it and a write is counted.
    ['Route 53 ListResourceRecordSets (the failover pair)', restJson('route53', 'GET', '/2013-04-01/hostedzone/A4QO1EXAMPLE/rrset?name=api.example.com.&type=CNAME&maxitems=2'), { service: 'route53', operation: 'ListResourceRecordSets', ...account }],
    ['Route 53 ChangeResourceRecordSets (the switch, a write)', restJson('route53', 'POST', '/2013-04-01/hostedzone/A4QO1EXAMPLE/rrset/'), { service: 'route53', operation: 'ChangeResourceRecordSets', ...account }],
    [
      'API Gateway UpdateIntegration (a write)',
      restJson('apigateway', 'PATCH', '/restapis/a1b2c3d4e5/resources/abc123/methods/POST/integration', '{"patchOperations":[]}'),
      { service: 'apigateway', operation: 'UpdateIntegration', ...account },
    ],
    [
      'Lambda GetAccountSettings before reserving concurrency',
      restJson('lambda', 'GET', '/2016-08-19/account-settings'),
      { service: 'lambda', operation: 'GetAccountSettings', ...account },
    ],
    [
      'Lambda PutFunctionConcurrency reserving 100 for the consumer',
      restJson('lambda', 'PUT', '/2017-10-31/functions/notification-consumer/concurrency', '{"ReservedConcurrentExecutions":100}'),
      { service: 'lambda', operation: 'PutFunctionConcurrency', ...account },
    ],
    [
      'Lambda GetFunctionConcurrency addressed by URL-encoded function ARN',
      restJson('lambda', 'GET', '/2019-09-30/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111122223333%3Afunction%3Anotification-consumer/concurrency'),
      { service: 'lambda', operation: 'GetFunctionConcurrency', ...account },
    ],
    [
      'Lambda GetFunction',
      restJson('lambda', 'GET', '/2015-03-31/functions/notification-consumer'),
      { service: 'lambda', operation: 'GetFunction', ...account },
    ],
    [
      'Lambda GetFunctionConfiguration with a $LATEST qualifier',
      restJson('lambda', 'GET', '/2015-03-31/functions/notification-consumer/configuration?Qualifier=%24LATEST'),
      { service: 'lambda', operation: 'GetFunctionConfiguration', ...account },
    ],
    [
      'Lambda UpdateFunctionConfiguration raising memory to 1024 MB',
      restJson('lambda', 'PUT', '/2015-03-31/functions/notification-consumer/configuration', '{"MemorySize":1024}'),
      { service: 'lambda', operation: 'UpdateFunctionConfiguration', ...account },
    ],
    [
      'an unmapped Lambda REST path',
      restJson('lambda', 'GET', '/2025-11-30/capacity-providers'),
      { service: 'lambda', operation: 'unknown', ...account },
    ],
    [
      'Scheduler CreateSchedule for a scale-down',
      restJson('scheduler', 'POST', '/schedules/revert', '{"ScheduleExpression":"at(2026-01-01T00:00:00)"}'),
      { service: 'scheduler', operation: 'CreateSchedule', ...account },
    ],
    [
      'SQS GetQueueAttributes over the JSON protocol',
      jsonRpc('sqs', 'AmazonSQS.GetQueueAttributes', 'application/x-amz-json-1.0', '{"QueueUrl":"http://127.0.0.1:4566/111122223333/q","AttributeNames":["All"]}'),
      { service: 'sqs', operation: 'GetQueueAttributes', ...account },
    ],
    [
      'CloudWatch DescribeAlarms over awsJson1_0 (the installed client default)',
      jsonRpc('monitoring', 'GraniteServiceVersion20100801.DescribeAlarms', 'application/x-amz-json-1.0', '{"AlarmNames":["x"]}'),
      { service: 'monitoring', operation: 'DescribeAlarms', ...account },
    ],
    [
      'DynamoDB PutItem on the state table',
      jsonRpc('dynamodb', 'DynamoDB_20120810.PutItem', 'application/x-amz-json-1.0', '{"TableName":"t"}'),
      { service: 'dynamodb', operation: 'PutItem', ...account },
    ],
    [
      'EventBridge PutEvents',
      jsonRpc('events', 'AWSEvents.PutEvents', 'application/x-amz-json-1.1', '{"Entries":[]}'),
      { service: 'events', operation: 'PutEvents', ...account },
    ],
    [
      'SSM StartAutomationExecution',
      jsonRpc('ssm', 'AmazonSSM.StartAutomationExecution', 'application/x-amz-json-1.1', '{"DocumentName":"d"}'),
      { service: 'ssm', operation: 'StartAutomationExecution', ...account },
    ],
    [
      'IAM CreateRole over the query protocol',
      query('iam', 'Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D'),
      { service: 'iam', operation: 'CreateRole', ...account },
    ],
    [
      'EC2 DescribeSecurityGroups over the EC2 query protocol',
      query('ec2', 'Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1'),
      { service: 'ec2', operation: 'DescribeSecurityGroups', ...account },
    ],
    [
      'CloudWatch GetMetricData over smithy-rpcv2-cbor',
      {
        method: 'POST',
        path: '/service/GraniteServiceVersion20100801/operation/GetMetricData',
        headers: { authorization: sigv4('monitoring'), 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
        body: '',
      },
      { service: 'monitoring', operation: 'GetMetricData', ...account },
    ],
  ])('identifies %s', (_name, request, expected) => {
    expect(identifyOperation(request)).toEqual(expected);
  });

  it('reads the operation of a query-protocol GET from the URL', () => {
    const op = identifyOperation({ method: 'GET', path: '/?Action=GetCallerIdentity&Version=2011-06-15', headers: { Authorization: sigv4('sts') }, body: '' });
    expect(op).toEqual({ service: 'sts', operation: 'GetCallerIdentity', ...account });
  });

  it('reads the service and account of a presigned URL', () => {
    const credential = encodeURIComponent('AKIA444455556666MOTO/20261125/us-east-1/sqs/aws4_request');
    const op = identifyOperation({ method: 'GET', path: `/?Action=ListQueues&X-Amz-Credential=${credential}`, headers: {}, body: '' });
    expect(op).toEqual({ service: 'sqs', operation: 'ListQueues', accountId: '444455556666' });
  });

  it('takes the account from an x-moto-account-id header over the access key', () => {
    const request = restJson('lambda', 'GET', '/2016-08-19/account-settings');
    request.headers['x-moto-account-id'] = '999988887777';
    expect(identifyOperation(request).accountId).toBe('999988887777');
  });

  it('leaves the account out for an access key that does not name one', () => {
    const request = jsonRpc('sqs', 'AmazonSQS.ListQueues', 'application/x-amz-json-1.0', '{}');
    request.headers.authorization = sigv4('sqs', 'AKIAIOSFODNN7EXAMPLE');
    expect(identifyOperation(request)).toEqual({ service: 'sqs', operation: 'ListQueues' });
  });

  it('reports an unsigned request as unknown', () => {
    expect(identifyOperation({ method: 'GET', path: '/', headers: {}, body: '' })).toEqual({ service: 'unknown', operation: 'unknown' });
  });

  it('does not read an Action out of a JSON body', () => {
    const request = restJson('lambda', 'POST', '/2015-03-31/functions/f/invocations', 'Action=DeleteFunction');
    expect(identifyOperation(request).operation).toBe('Invoke');
  });
});

describe('HTTP API ids: moto\'s 8 letters widened to AWS\'s 10 characters, narrowed back on the way in', () => {
  it.each([
    ['/v2/apis/abcdefgh00', '/v2/apis/abcdefgh'],
    ['/v2/apis/abcdefgh00/stages/%24default', '/v2/apis/abcdefgh/stages/%24default'],
    ['/v2/apis/abcdefgh00?x=1', '/v2/apis/abcdefgh?x=1'],
    // Not an id the proxy widened: passed on as sent (moto answers it as it would).
    ['/v2/apis/a1b2c3d4e5/routes', '/v2/apis/a1b2c3d4e5/routes'],
    ['/v2/apis/abcdefgh/routes', '/v2/apis/abcdefgh/routes'],
    ['/v2/apis/abcdefgh001', '/v2/apis/abcdefgh001'],
    ['/v2/apis', '/v2/apis'],
  ])('%s -> %s', (sent, forwarded) => {
    expect(narrowHttpApiIdPath(sent)).toBe(forwarded);
  });

  it('widens every apiId, the endpoint host and a not-found message, and nothing else that is 8 letters', () => {
    const moto = JSON.stringify({
      items: [
        { apiId: 'abcdefgh', apiEndpoint: 'https://abcdefgh.execute-api.us-east-1.amazonaws.com', name: 'notifica', protocolType: 'HTTP' },
        { apiId: 'qwertyui', apiEndpoint: 'https://qwertyui.execute-api.us-east-1.amazonaws.com', name: 'x' },
      ],
      integrationId: 'zxcvbnml',
      message: 'Invalid API identifier specified abcdefgh',
    });
    expect(JSON.parse(widenHttpApiIds(moto))).toEqual({
      items: [
        { apiId: 'abcdefgh00', apiEndpoint: 'https://abcdefgh00.execute-api.us-east-1.amazonaws.com', name: 'notifica', protocolType: 'HTTP' },
        { apiId: 'qwertyui00', apiEndpoint: 'https://qwertyui00.execute-api.us-east-1.amazonaws.com', name: 'x' },
      ],
      integrationId: 'zxcvbnml',
      message: 'Invalid API identifier specified abcdefgh00',
    });
    // A widened id is one dependencies.apis[].id accepts, and narrows back to moto's.
    expect(narrowHttpApiIdPath(`/v2/apis/${'abcdefgh00'}`)).toBe('/v2/apis/abcdefgh');
    expect('abcdefgh00').toMatch(/^[a-z0-9]{10}$/);
  });
});
