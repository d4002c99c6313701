// The DR standby watch's pure judgement, table-driven: every situation escalates (diagnosis) with what was observed,
// leads with what fired, names FailoverToDR as a person's step and never plans a change.
import { planStandbyWatch, type MetricFigures, type ReplicationStatus, type StandbyObservation, type StandbyTrigger } from '../../../shared/playbooks/dr-standby-plan';

const THRESHOLDS = { replicaLagSeconds: 300, queueMessages: 1000, oldestMessageAgeSeconds: 3600 };
const fig = (latest: number, max = latest, datapoints = 15): MetricFigures => ({ latest, max, datapoints });
const NONE: MetricFigures = { datapoints: 0 };
const CONSUMERS = ['notification-service-consumer'];

function standby(over: { lag?: MetricFigures; replica?: Partial<{ instanceStatus: string; source: string | undefined }>; replication?: ReplicationStatus; missingReplica?: string; visible?: number; age?: MetricFigures; mappingState?: string; missingQueue?: string } = {}): StandbyObservation {
  const replica: StandbyObservation['replica'] = over.missingReplica
    ? { status: 'missing', identifier: 'notification-service-db-replica', reason: over.missingReplica }
    : {
        status: 'found',
        identifier: 'notification-service-db-replica',
        instanceStatus: over.replica?.instanceStatus ?? 'available',
        ...(over.replica && 'source' in over.replica ? (over.replica.source ? { source: over.replica.source } : {}) : { source: 'arn:aws:rds:us-east-1:111111111111:db:notification-service-db' }),
        ...(over.replication ? { replication: over.replication } : {}),
        lagSeconds: over.lag ?? fig(12, 20),
      };
  return {
    environment: 'production',
    region: 'us-west-2',
    windowMinutes: 15,
    replica,
    queues: [
      over.missingQueue
        ? { name: 'notification-service-queue', missing: over.missingQueue, depth: NONE, oldestAgeSeconds: NONE, mappings: [] }
        : {
            name: 'notification-service-queue',
            visibleNow: over.visible ?? 40,
            depth: fig(over.visible ?? 40),
            oldestAgeSeconds: over.age ?? fig(120),
            mappings: [{ uuid: 'uuid-1', functionName: 'notification-service-consumer', state: over.mappingState ?? 'Disabled' }],
          },
    ],
  };
}

interface Case {
  situation: string;
  trigger: StandbyTrigger;
  observation: StandbyObservation;
  /** The reason's headline starts with this (after the "DR standby of production in us-west-2: " prefix). */
  leads: string;
  /** Also in the reason, in this order after the lead. */
  alsoSays?: string[];
}

const CASES: Case[] = [
  {
    situation: 'a replica 420 s behind: the lag, and the writes a failover now would lose',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(420, 480) }),
    leads: 'the replica notification-service-db-replica is 420 s behind its source (pages above 300 s): a failover now would lose about that much of the latest writes',
  },
  {
    situation: 'a replica that reports no ReplicaLag at all: not known to be replicating',
    trigger: 'replica-lag',
    observation: standby({ lag: NONE }),
    leads: 'notification-service-db-replica reported no ReplicaLag in the last 15 min: it is not known to be replicating',
  },
  {
    situation: 'ReplicaLag -1: replication not active',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(-1, 0) }),
    leads: 'notification-service-db-replica reports ReplicaLag -1: replication is not active',
  },
  {
    situation: 'the replica is gone',
    trigger: 'replica-lag',
    observation: standby({ missingReplica: 'RDS DescribeDBInstances: DBInstanceNotFound' }),
    leads: 'the cross-region replica notification-service-db-replica is missing (RDS DescribeDBInstances: DBInstanceNotFound)',
  },
  {
    // Promoted AND consumers Enabled is the serving signal: a notice, not a diagnosis (decision 189, cases below).
    situation: 'the replica was promoted (no source) but the DR consumers are still Disabled: a failover started by hand, not finished',
    trigger: 'queue-depth',
    observation: standby({ replica: { source: undefined } }),
    leads: 'notification-service-db-replica is no longer a read replica (promoted: a failover was run, or started by hand), yet us-west-2 is still configured as the DR region',
  },
  {
    situation: 'the DR consumers were enabled while the replica still replicates: not a failover',
    trigger: 'queue-depth',
    observation: standby({ mappingState: 'Enabled' }),
    leads: "the DR consumer notification-service-consumer's mapping on notification-service-queue is Enabled: it takes messages, as only after a failover",
  },
  {
    situation: 'the replicated queue backs up: the queue leads, the lag (also high) follows',
    trigger: 'queue-depth',
    observation: standby({ visible: 1500, lag: fig(400) }),
    leads: 'the replicated queue notification-service-queue holds 1500 messages (pages above 1000): a failover would start with that backlog',
    alsoSays: ['the replica notification-service-db-replica is 400 s behind its source'],
  },
  {
    situation: 'the oldest replicated message is over an hour old',
    trigger: 'queue-age',
    observation: standby({ age: fig(5400, 5400) }),
    leads: 'the oldest message of the replicated queue notification-service-queue is 5400 s old (pages above 3600 s)',
  },
  {
    situation: 'the replicated queue is missing',
    trigger: 'queue-depth',
    observation: standby({ missingQueue: 'SQS GetQueueUrl: AWS.SimpleQueueService.NonExistentQueue' }),
    leads: 'the replicated queue notification-service-queue is missing (SQS GetQueueUrl: AWS.SimpleQueueService.NonExistentQueue)',
  },
  // StatusInfos' "read replication" entry (RDS API reference, DBInstanceStatusInfo: Status replicating, replication
  // degraded, replication stop point set / reached, error, stopped or terminated; Normal false in an error state): RDS
  // can say the replica is not replicating while DBInstanceStatus reads available and the last ReplicaLag was small.
  {
    situation: 'read replication in error (Normal false) while the last ReplicaLag was small: not replicating, whatever the lag said',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(30, 450), replication: { status: 'error', normal: false } }),
    leads: "the replica notification-service-db-replica's read replication is error: it is not replicating normally",
  },
  {
    situation: 'read replication terminated (replication stopped over 30 days)',
    trigger: 'queue-depth',
    observation: standby({ replication: { status: 'terminated', normal: false }, visible: 1500 }),
    leads: 'the replicated queue notification-service-queue holds 1500 messages',
    alsoSays: ["the replica notification-service-db-replica's read replication is terminated: it is not replicating normally"],
  },
  {
    situation: 'read replication stopped with no Normal flag given: a status other than replicating is enough',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(30, 450), replication: { status: 'stopped' } }),
    leads: "the replica notification-service-db-replica's read replication is stopped: it is not replicating normally",
  },
  {
    situation: 'read replication still says replicating but Normal is false: Normal false is enough',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(30, 450), replication: { status: 'replicating', normal: false } }),
    leads: "the replica notification-service-db-replica's read replication is replicating: it is not replicating normally",
  },
  {
    situation: 'read replication replicating and normal: the lag judges, as before',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(420, 480), replication: { status: 'replicating', normal: true } }),
    leads: 'the replica notification-service-db-replica is 420 s behind its source',
  },
  {
    situation: 'the alarm fired but every figure is within its threshold now',
    trigger: 'replica-lag',
    observation: standby({ lag: fig(30, 450) }),
    leads: 'the replica-lag alarm fired, but the standby reads within its thresholds now (the figures below): it may be recovering',
  },
];

describe('planStandbyWatch: the DR standby is watched, never changed', () => {
  it.each(CASES.map((c) => [c.situation, c] as const))('%s', (_situation, c) => {
    const plan = planStandbyWatch({ observation: c.observation, thresholds: THRESHOLDS, trigger: c.trigger, runbookName: 'NotificationService-FailoverToDR', consumers: CONSUMERS });
    expect(plan.kind).toBe('escalate');
    if (plan.kind !== 'escalate') return;
    expect(plan.cause).toBe('diagnosis');
    expect(plan.reason.startsWith(`DR standby of production in us-west-2: ${c.leads}`)).toBe(true);
    let from = plan.reason.indexOf(c.leads) + c.leads.length;
    for (const said of c.alsoSays ?? []) {
      const at = plan.reason.indexOf(said, from);
      expect(at).toBeGreaterThanOrEqual(from);
      from = at + said.length;
    }
    expect(plan.reason).toContain(
      'Nothing was changed; a person decides: if the primary region is lost, NotificationService-FailoverToDR (behind approval) promotes the replica and moves traffic here',
    );
    expect(plan.findings?.at(-1)).toBe('nothing was changed: in the DR region the automation watches the standby and never scales or resizes it');
    expect(plan).not.toHaveProperty('runbook');
  });

  it('reports the figures a person needs: the lag, the queue now and over the window, the oldest message, the disabled DR consumer', () => {
    const plan = planStandbyWatch({ observation: standby({ lag: fig(420, 480, 15), visible: 40, age: fig(120, 180, 15) }), thresholds: THRESHOLDS, trigger: 'replica-lag', consumers: CONSUMERS });
    expect(plan.kind === 'escalate' && plan.findings).toEqual([
      'replica notification-service-db-replica (available, replica of arn:aws:rds:us-east-1:111111111111:db:notification-service-db): ReplicaLag over the last 15 min latest 420 s, highest 480 s (15 datapoint(s)); pages above 300 s',
      'replicated queue notification-service-queue: 40 message(s) visible now; depth over the last 15 min latest 40, highest 40 (15 datapoint(s)) (pages above 1000); age of the oldest message latest 120 s, highest 180 s (15 datapoint(s)) (pages above 3600 s)',
      'DR consumer notification-service-consumer (mapping uuid-1): Disabled - as expected on the standby, until a failover enables it',
      'nothing was changed: in the DR region the automation watches the standby and never scales or resizes it',
    ]);
    // Without a runbook configured for the row, it still says the decision is a person's.
    expect(plan.kind === 'escalate' && plan.reason).toMatch(/Nothing was changed; a person decides whether to fail over$/);
  });

  it('covers each trigger and each kind of problem at least once', () => {
    expect(new Set(CASES.map((c) => c.trigger))).toEqual(new Set(['replica-lag', 'queue-depth', 'queue-age']));
    expect(CASES).toHaveLength(15);
  });
});

describe('planStandbyWatch after a failover: the region serves, the standby watch no longer applies (decision 189)', () => {
  const promoted = { replica: { source: undefined }, lag: NONE, mappingState: 'Enabled' } as const;
  it.each([
    ['the lag alarm, in ALARM because a promoted database publishes no ReplicaLag', 'replica-lag' as const, standby(promoted), 'a promoted database publishes no ReplicaLag'],
    ['the queue depth alarm on the queue this region now consumes', 'queue-depth' as const, standby({ ...promoted, visible: 4000 }), 'the queue-depth alarm watches the queue this region now consumes'],
    ['the queue age alarm, the database backing up (still serving)', 'queue-age' as const, standby({ ...promoted, replica: { source: undefined, instanceStatus: 'backing-up' }, age: fig(4000) }), 'the queue-age alarm watches the queue'],
  ])('%s: a region-serving notice, never the failover again', (_case, trigger, observation, why) => {
    const plan = planStandbyWatch({ observation, thresholds: THRESHOLDS, trigger, runbookName: 'NotificationService-FailoverToDR', consumers: CONSUMERS });
    expect(plan.kind === 'escalate' && plan.cause).toBe('region-serving');
    if (plan.kind !== 'escalate') return;
    expect(plan.reason.startsWith('us-west-2 serves production since a failover: the standby watch no longer applies; switch regionRoles (us-west-2 primary) and redeploy.')).toBe(true);
    expect(plan.reason).toContain('the replica notification-service-db-replica is promoted (no replication source) and the DR consumers\' mapping uuid-1 (notification-service-consumer on notification-service-queue) is Enabled');
    expect(plan.reason).toContain(why);
    expect(plan.reason).not.toContain('FailoverToDR');
    expect(plan).not.toHaveProperty('runbook');
  });

  it.each([
    ['the promoted database is rebooting (how a promotion ends)', standby({ ...promoted, replica: { source: undefined, instanceStatus: 'rebooting' } })],
    ['the consumers are Enabled but the replica still replicates', standby({ mappingState: 'Enabled', lag: NONE })],
    ['the replica is promoted but the consumers are Disabled', standby({ replica: { source: undefined }, lag: NONE })],
    ['the consumers are Enabling', standby({ ...promoted, mappingState: 'Enabling' })],
    ['the replica is missing', standby({ missingReplica: 'RDS DescribeDBInstances: DBInstanceNotFound', mappingState: 'Enabled' })],
  ])('stays a diagnosis when %s: the region does not serve', (_case, observation) => {
    const plan = planStandbyWatch({ observation, thresholds: THRESHOLDS, trigger: 'replica-lag', runbookName: 'NotificationService-FailoverToDR', consumers: CONSUMERS });
    expect(plan.kind === 'escalate' && plan.cause).toBe('diagnosis');
  });

  it('counts only the configured consumers: an Enabled mapping of another function is not the service consuming here', () => {
    const plan = planStandbyWatch({ observation: standby(promoted), thresholds: THRESHOLDS, trigger: 'replica-lag', runbookName: 'NotificationService-FailoverToDR', consumers: ['another-function'] });
    expect(plan.kind === 'escalate' && plan.cause).toBe('diagnosis');
  });
});
