// Infra test support: the metric filters' log groups (review 22a, R22a-5), read from a synthesized template.
import { WATCHED_LOG_GROUP_TYPE } from '../../../infra/lib/constructs/watched-log-groups';
import { resourcesOfType, type CfnTemplate } from './synth';

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Each metric filter whose log group's Custom::WatchedLogGroup is not among its DependsOn: "<filter> (<group>)". */
export function filtersNotAfterTheirGroup(template: CfnTemplate): string[] {
  const ensured = new Map(resourcesOfType(template, WATCHED_LOG_GROUP_TYPE).map(([id, r]) => [String(r.Properties?.LogGroupName), id]));
  return resourcesOfType(template, 'AWS::Logs::MetricFilter').flatMap(([id, filter]) => {
    const group = String(filter.Properties?.LogGroupName);
    const ensure = ensured.get(group);
    return ensure !== undefined && asArray(filter.DependsOn as string | string[] | undefined).includes(ensure) ? [] : [`${id} (${group})`];
  });
}
