// scale-consumers' isApplied decides whether verify-change may revert a recorded change: it holds only for this queue's
// own consumers, so a change read back from the state table that names another function is never "still applied".
import { queueBackupPlaybook } from '../../../shared/playbooks/queue-backup';
import type { ConsumerScalingChange, QueueBackupObservation } from '../../../shared/playbooks/queue-backup-plan';

const observation: QueueBackupObservation = {
  queueName: 'q',
  queueDepth: 500,
  mappings: [{ uuid: 'esm-1', functionName: 'consumer', state: 'Enabled', maximumConcurrency: 100 }],
  functions: { consumer: { reservedConcurrency: 200 } },
};
const applied: ConsumerScalingChange = {
  mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 50, to: 100 }],
  reservedConcurrency: [{ functionName: 'consumer', from: 100, to: 200 }],
};

describe('scale-consumers isApplied: only the queue\'s own consumers', () => {
  it('holds for the change as the row made it', () => {
    expect(queueBackupPlaybook.isApplied(observation, applied)).toBe(true);
  });

  it.each<[string, ConsumerScalingChange]>([
    // A non-consumer whose reserved concurrency is unset reads as null: without the consumer check this held, and the
    // revert (to its recorded "from", 1) throttled the API's function to one concurrent execution.
    ['reserved concurrency of a function that reads no mapping of this queue', { mappings: applied.mappings, reservedConcurrency: [{ functionName: 'notification-api', from: 1, to: null }] }],
    ['a mapping of this queue attributed to another function', { mappings: [{ uuid: 'esm-1', functionName: 'notification-api', from: 50, to: 100 }], reservedConcurrency: [] }],
    ['a mapping this queue does not have', { mappings: [{ uuid: 'esm-other', functionName: 'consumer', from: 50, to: 100 }], reservedConcurrency: [] }],
    ['a value the resource does not show', { mappings: [{ uuid: 'esm-1', functionName: 'consumer', from: 50, to: 90 }], reservedConcurrency: [] }],
  ])('does not hold for %s', (_situation, change) => {
    expect(queueBackupPlaybook.isApplied(observation, change)).toBe(false);
  });
});
