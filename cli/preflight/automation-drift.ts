// Pure: the matrix values the automation itself sets, or its diagnosis recommends, away from the service document's:
// preflight reports them as WARN naming why, not as FAIL (review 10a, finding 6). Anything else off the matrix stays a FAIL.
import { effectiveMutationMode } from '../../shared/guard/evaluate-guardrails';
import type { AutomationConfig, EnvironmentName } from '../../shared/config/schema';
import { evaluateIntegrationTimeout } from '../../shared/network/evaluate-dependency-state';
import { AWS_MAX_MEMORY_MB, nextMemoryStepMb } from '../../shared/playbooks/memory-pressure-plan';

/** One value off the matrix that the automation explains, and the explanation (with the decision that records it). */
export interface ExplainedValue<V> {
  value: V;
  why: string;
}

export interface AutomationDrift {
  /** Per consumer function: the memory sizes raise-lambda-memory's steps reach from the document's. */
  memoryMb: Record<string, Array<ExplainedValue<number>>>;
  /** Per consumer function: the timeout the 504 diagnosis recommends for the APIs in front of it. */
  timeoutSeconds: Record<string, Array<ExplainedValue<number>>>;
  /** The instance classes above the document's on the environment's ladder (scale-up-database's steps). */
  dbInstanceClass: Array<ExplainedValue<string>>;
}

interface MatrixValues {
  memoryMb: number;
  timeoutSeconds: number;
  dbInstanceClass: string;
}

/**
 * What the automation may have moved, from the configuration alone (preflight reads no state table): a row whose mode is
 * report-only in this environment changes nothing, so its values off the matrix are not the automation's. A change made
 * through the row's document behind approval counts: the automation named it.
 */
export function automationDrift(config: AutomationConfig, environment: EnvironmentName, functions: readonly string[], matrix: MatrixValues): AutomationDrift {
  const env = config.environments[environment];
  const mode = (row: string) => effectiveMutationMode({ mutationMode: env.mutationMode ?? (env.autoScaling ? 'automatic' : 'report-only'), env }, row);
  const how = (row: string, document: string) =>
    mode(row) === 'approval' ? `made through ${document} behind approval, as the automation's escalation names it` : 'made by the automation itself';

  const memoryMb: AutomationDrift['memoryMb'] = {};
  if (mode('memory-pressure') !== 'report-only') {
    const policy = env.raiseLambdaMemory;
    const capMb = Math.min(policy.maxMemoryMb, AWS_MAX_MEMORY_MB);
    const steps: Array<ExplainedValue<number>> = [];
    for (let from = matrix.memoryMb; from < capMb; ) {
      const to = Math.min(nextMemoryStepMb(from, policy), capMb);
      steps.push({
        value: to,
        why:
          `a raise-lambda-memory step (${from} -> ${to} MB: x${policy.stepFactor} rounded up to ${policy.roundUpToMb} MB, ${environment} cap ${capMb} MB), ` +
          `${how('memory-pressure', 'NotificationService-RaiseLambdaMemory')}: drift its decision names ("update your IaC"; decision 14)`,
      });
      from = to;
    }
    for (const fn of functions) memoryMb[fn] = steps;
  }

  const timeoutSeconds: AutomationDrift['timeoutSeconds'] = {};
  for (const fn of functions) {
    const recommended = config.dependencies.apis
      .filter((api) => api.functionName === fn)
      .flatMap((api) => {
        const race = evaluateIntegrationTimeout({ functionName: fn, functionTimeoutSeconds: matrix.timeoutSeconds, apiLabel: `API ${api.name}`, httpApi: api.type === 'http' });
        return race ? [{ value: race.fix.input.Timeout, why: `the 504 diagnosis (inspect-security-groups) recommends it: ${race.finding.split(': ')[0] ?? race.finding}, so the function must give up first (decision 84)` }] : [];
      });
    if (recommended.length > 0) timeoutSeconds[fn] = recommended;
  }

  const dbInstanceClass: AutomationDrift['dbInstanceClass'] = [];
  if (mode('cpu-utilization') !== 'report-only') {
    const ladder = env.scaleUpDatabase.ladder;
    const rung = ladder.indexOf(matrix.dbInstanceClass);
    if (rung >= 0) {
      for (const cls of ladder.slice(rung + 1)) {
        dbInstanceClass.push({
          value: cls,
          why: `a scale-up-database step on the ${environment} ladder (${ladder.join(' -> ')}), ${how('cpu-utilization', 'NotificationService-ScaleUpDatabase')} (decision 16)`,
        });
      }
    }
  }
  return { memoryMb, timeoutSeconds, dbInstanceClass };
}
