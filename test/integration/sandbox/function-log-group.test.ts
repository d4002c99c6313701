// A watched function whose LoggingConfig.LogGroup names a log group of its own (Lambda's advanced logging controls)
// writes nothing to /aws/lambda/<name> (closing note 22). On the sandbox, as an operator meets it: configured
// (resources.functionLogGroups), the sandbox creates the consumer so and puts its OOM filter on that group, as infra does,
// and `runbook preflight` passes the group and the filter; not configured, a consumer moved to its own group is a FAIL
// naming the function, both groups and the field, until it logs where the filter is again. moto 5.2.1 drops
// LoggingConfig: the gap proxy keeps it (sandbox/lambda-logging-config.ts), shown here against moto itself.
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { MOTO_ACCOUNT_HEADER } from '../../../sandbox/gap-proxy';
import { metricFilterSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { runPreflight } from '../support/run-preflight';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const CONSUMER = 'notification-service-consumer';
const DEFAULT_GROUP = `/aws/lambda/${CONSUMER}`;
const OWN_GROUP = '/notification-service/production/consumer';
const OVERRIDE = { environments: { production: { resources: { functionLogGroups: { [CONSUMER]: OWN_GROUP } } } } };

// A preflight run makes some 150 calls; without the runbook stack deployed most of its checks FAIL (not judged here).
jest.setTimeout(300_000);

/** The checks of the report about the consumer's log group and its OOM filter: "<status> <check> <subject>: <message>". */
const logGroupChecks = (report: PreflightReport): string[] =>
  report.checks
    .filter((c) => c.check === 'function-log-group' || (c.check === 'metric-filter' && c.subject.endsWith(`${CONSUMER}-out-of-memory`)))
    .map((c) => `${c.status} ${c.check} ${c.subject}: ${c.message}`);

/** A Lambda client straight to moto_server (not the proxy), in the account's own partition of it. */
function motoLambda(account: SandboxAccount): LambdaClient {
  const client = new LambdaClient({ ...account.clientConfig, endpoint: process.env.MOTO_ENDPOINT ?? '' });
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[MOTO_ACCOUNT_HEADER] = account.accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader' },
  );
  return client;
}

describe("a consumer logging to a log group of its own (LoggingConfig.LogGroup), on the sandbox", () => {
  // provisionAccount puts the account's env into process.env: the override must not outlive its test.
  const before = process.env.RUNBOOK_CONFIG_JSON;
  afterEach(() => {
    if (before === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
    else process.env.RUNBOOK_CONFIG_JSON = before;
  });

  it("configured: the sandbox creates the consumer so, with its OOM filter on that group as infra's, and preflight passes both", async () => {
    const account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify(OVERRIDE) });
    const logs = new CloudWatchLogsClient(account.clientConfig);
    const moto = motoLambda(account);
    try {
      expect(account.topology.consumer.logGroupName).toBe(OWN_GROUP);
      // The gap: moto itself answers no LoggingConfig; through the proxy, Lambda's answer.
      expect((await moto.send(new GetFunctionConfigurationCommand({ FunctionName: CONSUMER }))).LoggingConfig).toBeUndefined();
      expect((await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: CONSUMER }))).LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: OWN_GROUP });
      // The filter where infra puts it (metricFilterSpecs of the same configuration), and nothing on the default group.
      const [spec] = metricFilterSpecs(loadRuntimeConfig(account.env).config, 'production').filter((f) => f.rowId === 'memory-pressure');
      expect(spec?.logGroupName).toBe(OWN_GROUP);
      const filters = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: OWN_GROUP }))).metricFilters ?? [];
      expect(filters.map((f) => [f.filterName, f.filterPattern])).toEqual([[spec?.filterName, spec?.pattern]]);
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: DEFAULT_GROUP }))).logGroups).toEqual([]);

      const { report } = await runPreflight('production', account.env, 180_000, { inProcess: true });
      expect(logGroupChecks(report)).toEqual([
        `PASS function-log-group ${CONSUMER}: ${CONSUMER} logs to ${OWN_GROUP}, the log group its out-of-memory metric filter and the handlers' log read grants are on`,
        `PASS metric-filter ${OWN_GROUP} ${CONSUMER}-out-of-memory: metric filter ${CONSUMER}-out-of-memory on ${OWN_GROUP} counts out-of-memory errors as NotificationService/OutOfMemoryErrors, as deployed`,
      ]);
    } finally {
      moto.destroy();
      logs.destroy();
    }
  });

  it('not configured, the consumer moved to its own group: preflight FAILs naming the function, both groups and the field; moved back, it passes', async () => {
    const account = await provisionAccount('production');
    const moved = await account.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: CONSUMER, LoggingConfig: { LogFormat: 'JSON', LogGroup: OWN_GROUP } }));
    expect(moved.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: OWN_GROUP });
    const { status, report } = await runPreflight('production', account.env, 180_000, { inProcess: true });
    expect(status).toBe(1);
    const failed = report.checks.find((c) => c.check === 'function-log-group');
    expect(failed).toEqual({
      area: 'resources',
      check: 'function-log-group',
      subject: CONSUMER,
      status: 'FAIL',
      message: expect.stringMatching(
        new RegExp(
          `^${CONSUMER} logs to ${OWN_GROUP} \\(its LoggingConfig\\.LogGroup\\), but its out-of-memory metric filter and the handlers' log read grants are on ${DEFAULT_GROUP}: the filter counts nothing there, so "NotificationService Lambda Out Of Memory .*\\(${CONSUMER}\\)" stays OK whatever happens and nobody is told`,
        ),
      ),
      fix: `set environments.production.resources.functionLogGroups["${CONSUMER}"] to "${OWN_GROUP}" and deploy the runbook stack (its filter, the filter's log group and the grants move there)`,
    });
    // The filter itself is as deployed: only the function's LoggingConfig tells that it counts nothing.
    expect(logGroupChecks(report).filter((l) => l.startsWith('PASS metric-filter'))).toHaveLength(1);

    await account.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: CONSUMER, LoggingConfig: { LogGroup: DEFAULT_GROUP } }));
    const again = await runPreflight('production', account.env, 180_000, { inProcess: true });
    expect(logGroupChecks(again.report).filter((l) => l.startsWith('PASS function-log-group'))).toEqual([
      `PASS function-log-group ${CONSUMER}: ${CONSUMER} logs to ${DEFAULT_GROUP}, the log group its out-of-memory metric filter and the handlers' log read grants are on`,
    ]);
  });
});
