// Proof that an injected fault fired: a fault-injection test whose fault never reached the code under test proved nothing.
import type { FaultRule } from '../../sandbox/gap-proxy';

/** A rule as the gap proxy reports it (GET /__sandbox/faults): `times - remaining` failures were injected. */
export type ReportedFault = Omit<FaultRule, 'accountId'> & { accountId?: string; remaining: number };

export interface FiredFault {
  rule: Omit<FaultRule, 'accountId'>;
  fired: number;
}

function describeRule(rule: Omit<FaultRule, 'accountId'>): string {
  return `${rule.code} (${rule.status}) on ${rule.service ?? '*'}:${rule.operation ?? '*'}`;
}

function sameRule(a: Omit<FaultRule, 'accountId'>, b: Omit<FaultRule, 'accountId'>): boolean {
  return a.service === b.service && a.operation === b.operation && a.code === b.code && a.status === b.status && a.times === b.times;
}

/**
 * How often each injected rule fired, read from what the proxy reports. Throws when a rule the test injected is not in
 * the report (the injection was removed or never set) or never fired: the test then fails instead of passing vacuously.
 */
export function faultsFired(injected: readonly Omit<FaultRule, 'accountId'>[], reported: readonly ReportedFault[]): FiredFault[] {
  return injected.map((rule) => {
    const found = reported.find((r) => sameRule(r, rule));
    if (!found) throw new Error(`the injected fault ${describeRule(rule)} is not in force at the proxy: the test injected nothing`);
    const fired = rule.times - found.remaining;
    if (fired <= 0) throw new Error(`the injected fault ${describeRule(rule)} never fired (0 of ${rule.times}): the test proved nothing`);
    return { rule, fired };
  });
}
