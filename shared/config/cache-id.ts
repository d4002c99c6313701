// Which ElastiCache replication group a configured cache is: its replicationGroupId, by default its name (decision 143).
export function cacheReplicationGroupId(cache: { name: string; replicationGroupId?: string | undefined }): string {
  return cache.replicationGroupId ?? cache.name;
}
