// Pure: when a decision may defer to the DR region's standby watch at all (decision 158), the check made before the
// deferral's own module (standby-deferral.ts, the region's alarms compared) is loaded: only in a DR region that does
// not serve, on another row's ALARM, so a primary region, the standby watch itself or a serving region never loads it.
import type { RuntimeConfig } from '../config/load-config';
import type { AlarmStateChange } from '../events/alarm-event';
import type { RegionServing } from './region-serving';

/** The troubleshooting row of the DR region's standby watch (handler watch-standby). */
export const STANDBY_ROW = 'dr-standby';

/**
 * Whether standbyDeferral could find a standby alarm to defer to: the region is a `dr` region whose serving signal was
 * read and says it does not serve (a read that failed is `unread`: that escalates as before, decision 123), and the
 * event is an ALARM of another row than the standby watch.
 */
export function mayDeferToStandby(
  runtime: Pick<RuntimeConfig, 'regionRole'>,
  event: Pick<AlarmStateChange, 'state'>,
  row: string,
  serving: RegionServing | undefined,
): serving is RegionServing {
  if (runtime.regionRole !== 'dr' || row === STANDBY_ROW || event.state.value !== 'ALARM') return false;
  return serving !== undefined && !serving.serving && !serving.unread;
}
