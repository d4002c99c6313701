// A changing row run in the DR region acts on that region's resources only: an alarm of another region is refused. Pure.
import type { RuntimeConfig } from '../config/load-config';
import { InvalidInputError } from '../errors';
import type { AlarmStateChange } from '../events/alarm-event';

/**
 * In a DR region, the alarm must be that region's: its resources (the replicated queue, the DR consumer, the promoted
 * replica) carry the configured names there, and the handler's clients act there, so an alarm of the primary region
 * would name the primary's resources. A primary region is left as it was (no check). Throws InvalidInputError.
 */
export function refuseAlarmOfAnotherRegion(event: Pick<AlarmStateChange, 'alarmName' | 'region'>, runtime: Pick<RuntimeConfig, 'regionRole' | 'region' | 'environment'>, handler: string): void {
  if (runtime.regionRole !== 'dr' || event.region === runtime.region) return;
  throw new InvalidInputError(
    `alarm "${event.alarmName}" is in ${event.region}, but this ${handler} runs in ${runtime.region}, the DR region of ${runtime.environment}: it acts only on the resources of ${runtime.region}`,
  );
}
