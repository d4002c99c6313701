// A playbook over a number held in memory ("the knob"): the pipeline's tests drive runPlaybook with it, no AWS behind it.
import type { Playbook, ResourceRef } from '../../shared/pipeline/types';

export interface Knob {
  value: number;
  applyCalls: number;
}
export type KnobChange = { from: number; to: number };

/** Raises the knob by one on ALARM, applied in memory and counted; `region` only names the knob's ARN. */
export function knobPlaybook(region: string): Playbook<Knob, { resource: ResourceRef }, { value: number }, KnobChange> {
  return {
    name: 'test-playbook',
    row: 'test',
    actions: [],
    actsOn: ['ALARM'],
    resolveTarget: () => ({ resource: { type: 'knob', id: 'k', arn: `arn:aws:test:${region}::knob/k` } }),
    observe: async (ctx) => ({ value: ctx.clients.value }),
    plan: ({ observation }) => ({
      kind: 'change',
      direction: 'scale-up',
      change: { from: observation.value, to: observation.value + 1 },
      summary: `raise ${observation.value} -> ${observation.value + 1}`,
      before: { value: observation.value },
      after: { value: observation.value + 1 },
      blastRadius: 'the knob',
    }),
    apply: async (ctx, _target, change) => {
      ctx.clients.applyCalls += 1;
      ctx.clients.value = change.to;
    },
    verify: async (ctx) => ({ value: ctx.clients.value }),
    isApplied: (observation, change) => observation.value === change.to,
  };
}
