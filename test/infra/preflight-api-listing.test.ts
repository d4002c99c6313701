// The workload's preflight role lists API Gateway v2's APIs (GET /apis) only where dependencies.apis has an HTTP API, and never reads into one.
import { preflightReads, type PreflightReadTargets } from '../../infra/lib/iam/workload-roles';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import { watchedResources } from '../../shared/config/alarm-specs';

const REGIONS = ['us-east-1', 'us-west-2'];

function apiGrants(config: ReturnType<typeof parseAutomationConfig>): Array<{ sid: string; resources: string[] }> {
  const targets: PreflightReadTargets = {
    partition: 'aws',
    account: '222222222222',
    regions: REGIONS,
    watched: watchedResources(config, 'production'),
    caches: [],
    alarmNames: [],
    metricFilterLogGroups: [],
    remediationHandlers: [],
    documentNames: [],
  };
  return preflightReads(targets)
    .statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('apigateway:')))
    .map((s) => ({ sid: String(s.Sid), resources: [s.Resource].flat().map(String) }));
}

describe("the preflight role's API Gateway reads in the workload account", () => {
  it('with the default configuration (a REST API): the REST listing only, in each region', () => {
    expect(apiGrants(parseAutomationConfig(defaultConfig))).toEqual([
      { sid: 'RestApiList', resources: ['arn:aws:apigateway:us-east-1::/restapis', 'arn:aws:apigateway:us-west-2::/restapis'] },
    ]);
  });

  it('with an HTTP API in dependencies.apis (type http): the v2 listing /apis too, and still nothing below a listing', () => {
    const withHttp = parseAutomationConfig(
      mergeConfig(defaultConfig, { dependencies: { apis: [{ name: 'notification-service-api', type: 'http', id: 'a1b2c3d4e5', functionName: 'notification-service-consumer' }] } }),
    );
    expect(watchedResources(withHttp, 'production').httpApis).toEqual([{ name: 'notification-service-api', id: 'a1b2c3d4e5' }]);
    expect(apiGrants(withHttp)).toEqual([
      { sid: 'RestApiList', resources: ['arn:aws:apigateway:us-east-1::/restapis', 'arn:aws:apigateway:us-west-2::/restapis'] },
      { sid: 'HttpApiList', resources: ['arn:aws:apigateway:us-east-1::/apis', 'arn:aws:apigateway:us-west-2::/apis'] },
    ]);
  });
});
