// An in-memory stand-in for IncidentStore with the same claim / lease / version semantics, for unit tests and benchmarks.
import { randomUUID } from 'node:crypto';
import type { AuditEntry, ClaimRecord, ClaimResult, ResourceState } from '../../shared/state/incident-store';
import type { RefusedEntry } from '../../shared/state/state-records';
import type { VerifyChangeStore, VerifyDueList } from '../../shared/state/verify-change-store';
import { TransientError } from '../../shared/errors';

type StorePort = Pick<
  VerifyChangeStore,
  'claim' | 'getClaim' | 'recordIntent' | 'complete' | 'release' | 'getResourceState' | 'reserveChange' | 'appendAudit' | 'remember' | 'history' | 'recordVerifyDue' | 'releaseVerifyDue' | 'verifyDue'
>;

export class InMemoryIncidentStore implements StorePort {
  readonly claims = new Map<string, ClaimRecord>();
  readonly resources = new Map<string, ResourceState>();
  readonly audit: AuditEntry[] = [];

  /** The verify sweep's list (VERIFY-DUE), by playbook and incident. */
  readonly verifyList = new Map<string, { playbook: string; incidentKey: string; dueAt: string }>();

  constructor(private readonly leaseSeconds = 300) {}

  async recordVerifyDue(playbook: string, incidentKey: string, dueAt: Date): Promise<void> {
    this.verifyList.set(`${incidentKey}#${playbook}`, { playbook, incidentKey, dueAt: dueAt.toISOString() });
  }

  async releaseVerifyDue(playbook: string, incidentKey: string): Promise<void> {
    this.verifyList.delete(`${incidentKey}#${playbook}`);
  }

  /** Entries of the list the store refused (not as the automation writes them): named by the sweep, never run. */
  readonly verifyRefused: RefusedEntry[] = [];

  async verifyDue(): Promise<VerifyDueList> {
    return { due: [...this.verifyList.values()].map((entry) => ({ ...entry })), refused: this.verifyRefused.map((entry) => ({ ...entry })) };
  }

  async claim(playbook: string, incidentKey: string, now: Date): Promise<ClaimResult> {
    const key = `${incidentKey}#${playbook}`;
    const existing = this.claims.get(key);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (existing && !(existing.status === 'IN_PROGRESS' && existing.leaseExpiresAtSeconds < nowSeconds)) {
      return { claimed: false, existing: { ...existing } };
    }
    const owner = randomUUID();
    this.claims.set(key, { status: 'IN_PROGRESS', owner, leaseExpiresAtSeconds: nowSeconds + this.leaseSeconds, claimedAt: now.toISOString() });
    return { claimed: true, owner, takenOver: existing !== undefined, previousIntent: existing?.intent };
  }

  private owned(playbook: string, incidentKey: string, owner: string): ClaimRecord {
    const claim = this.claims.get(`${incidentKey}#${playbook}`);
    if (!claim || claim.owner !== owner) throw new TransientError(`claim on ${incidentKey} was taken over`);
    return claim;
  }

  async getClaim(playbook: string, incidentKey: string): Promise<ClaimRecord | undefined> {
    const claim = this.claims.get(`${incidentKey}#${playbook}`);
    return claim ? structuredClone(claim) : undefined;
  }

  async recordIntent(playbook: string, incidentKey: string, owner: string, intent: unknown): Promise<void> {
    this.owned(playbook, incidentKey, owner).intent = intent;
  }

  async complete(playbook: string, incidentKey: string, owner: string, outcome: string, reason: string, runbook?: unknown): Promise<void> {
    Object.assign(this.owned(playbook, incidentKey, owner), { status: 'COMPLETED', outcome, reason, ...(runbook === undefined ? {} : { runbook: structuredClone(runbook) }) });
  }

  async release(playbook: string, incidentKey: string, owner: string): Promise<void> {
    const claim = this.claims.get(`${incidentKey}#${playbook}`);
    if (claim && claim.owner === owner && claim.status === 'IN_PROGRESS') claim.leaseExpiresAtSeconds = 0;
  }

  async getResourceState(resourceArn: string): Promise<ResourceState | undefined> {
    const state = this.resources.get(resourceArn);
    return state ? structuredClone(state) : undefined;
  }

  async reserveChange(resourceArn: string, expectedVersion: number | undefined, next: Omit<ResourceState, 'version'>): Promise<void> {
    const current = this.resources.get(resourceArn);
    if ((current?.version ?? undefined) !== expectedVersion) throw new TransientError(`resource ${resourceArn} changed concurrently`);
    this.resources.set(resourceArn, { ...structuredClone(next), version: (expectedVersion ?? 0) + 1 });
  }

  async remember(resourceArn: string, facts: Record<string, unknown>): Promise<void> {
    const current = this.resources.get(resourceArn) ?? { version: 0, changeTimesSeconds: [] };
    this.resources.set(resourceArn, { ...current, learned: { ...current.learned, ...structuredClone(facts) }, version: current.version + 1 });
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(entry);
  }

  /** Most recent first, as the table's sort key (AUDIT#<at>#<incidentKey>) orders them. */
  async history(resourceArn: string, limit = 50): Promise<AuditEntry[]> {
    const sortKey = (e: AuditEntry): string => `${e.at}#${e.incidentKey}`;
    return structuredClone(this.audit.filter((e) => e.resourceArn === resourceArn).sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0)).slice(0, limit));
  }
}
