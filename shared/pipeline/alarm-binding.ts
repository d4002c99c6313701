// Pure: an alarm event is a claim; before anything is read for it, it must name an alarm this handler watches, in this
// handler's region and the deployment's account (decision 184). The escalation's own check (trust-decision.ts), applied
// to the playbook's alarms only.
import { alarmSpecs } from '../config/alarm-specs';
import type { RuntimeConfig } from '../config/load-config';
import { checkAlarm, type TrustFacts } from '../escalation/trust-decision';
import { InvalidInputError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';

const factsByRuntime = new WeakMap<RuntimeConfig, Map<string, TrustFacts>>();

/**
 * What an alarm handler running `handler` trusts an event against: its region, its environment's regions, the account,
 * and the names of the alarms the configuration routes to `handler` in this region (the alarms infra creates and
 * whose EventBridge rule targets it: shared/config/alarm-specs.ts). Built once per container.
 */
export function handlerTrustFacts(runtime: RuntimeConfig, handler: string): TrustFacts {
  const known = factsByRuntime.get(runtime) ?? new Map<string, TrustFacts>();
  factsByRuntime.set(runtime, known);
  const cached = known.get(handler);
  if (cached) return cached;
  const facts: TrustFacts = {
    environment: runtime.environment,
    region: runtime.region,
    regions: runtime.config.environments[runtime.environment].regions,
    // Only this handler's rows: another row's alarm may not be derivable from this configuration (an HTTP API watched
    // without its id: alarm-specs.ts refuses it, and infra would not deploy it), which is not this handler's concern.
    watchedAlarms: new Set(
      alarmSpecs({ ...runtime.config, troubleshooting: runtime.config.troubleshooting.filter((row) => row.handler === handler) }, runtime.environment, runtime.region)
        .filter((spec) => spec.handler === handler)
        .map((spec) => spec.name),
    ),
    ...(runtime.workloadAccount ? { workloadAccount: runtime.workloadAccount } : {}),
    watcher: handler,
  };
  known.set(handler, facts);
  return facts;
}

/**
 * Throws InvalidInputError unless the event's alarm is one `facts` watches, in the handler's own region (every region
 * role) and the deployment's account. The parser has already made the alarm ARN's region, account and name the
 * event's own, so the incident key (alarm ARN # state time) holds only values checked here.
 */
export function refuseUnwatchedAlarm(event: Pick<AlarmStateChange, 'alarmArn' | 'alarmName' | 'region'>, facts: TrustFacts): void {
  const checked = checkAlarm({ arn: event.alarmArn, name: event.alarmName, region: event.region }, facts);
  if (checked.kind === 'refused') throw new InvalidInputError(`${checked.reason}: refused, nothing read or changed`, [`alarm: ${event.alarmArn}`]);
}
