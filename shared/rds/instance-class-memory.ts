// Memory of the RDS DB instance classes the environments' ladders use, and the DBInstanceClassMemory RDS derives from it.

const GIB_BYTES = 1024 ** 3;
const MIB_BYTES = 1024 ** 2;

/** Size -> multiple of the family's "large" memory (RDS User Guide, "Hardware specifications for DB instance classes"). */
const SIZE_MULTIPLE: Readonly<Record<string, number>> = {
  large: 1,
  xlarge: 2,
  '2xlarge': 4,
  '4xlarge': 8,
  '8xlarge': 16,
  '12xlarge': 24,
  '16xlarge': 32,
  '24xlarge': 48,
  '32xlarge': 64,
};

/**
 * Memory-optimized (r) classes have 16 GiB at "large", general-purpose (m) 8 GiB, doubling with each size; the
 * largest size each family offers is listed so that no class that does not exist gets a figure.
 */
const FAMILIES: ReadonlyArray<{ family: string; largeGiB: number; largest: string }> = [
  { family: 'db.r5', largeGiB: 16, largest: '24xlarge' },
  { family: 'db.r6g', largeGiB: 16, largest: '16xlarge' },
  { family: 'db.r6i', largeGiB: 16, largest: '32xlarge' },
  { family: 'db.r7g', largeGiB: 16, largest: '16xlarge' },
  { family: 'db.m5', largeGiB: 8, largest: '24xlarge' },
  { family: 'db.m6g', largeGiB: 8, largest: '16xlarge' },
  { family: 'db.m6i', largeGiB: 8, largest: '32xlarge' },
  { family: 'db.m7g', largeGiB: 8, largest: '16xlarge' },
];

/** Burstable classes (same table): micro 1 GiB to 2xlarge 32 GiB. */
const BURSTABLE_GIB: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };

function buildTable(): Record<string, number> {
  const table: Record<string, number> = {};
  for (const family of ['db.t3', 'db.t4g']) {
    for (const [size, gib] of Object.entries(BURSTABLE_GIB)) table[`${family}.${size}`] = gib;
  }
  const sizes = Object.keys(SIZE_MULTIPLE);
  for (const { family, largeGiB, largest } of FAMILIES) {
    for (const size of sizes.slice(0, sizes.indexOf(largest) + 1)) table[`${family}.${size}`] = largeGiB * (SIZE_MULTIPLE[size] ?? 0);
  }
  return table;
}

/** DB instance class -> memory in GiB, e.g. db.t3.medium 4, db.r6g.xlarge 32. */
export const INSTANCE_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = buildTable();

export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
  return INSTANCE_CLASS_MEMORY_GIB[instanceClass];
}

/**
 * RDS's DBInstanceClassMemory: "the total amount of memory for the DB instance class" minus "memory reserved for the
 * operating system and the RDS processes that manage the instance" (RDS User Guide, "DB parameter formula variables").
 * AWS does not publish the reservation. We model it as 250 MiB + 2% of the class memory, fitted to published
 * `SHOW max_connections` readings of PostgreSQL defaults (2 GiB -> 198, 4 GiB -> 413, 8 GiB -> 856, 15.25 GiB -> 1660;
 * the model gives 193, 414, 855, 1656). Figures built on it are estimates and are reported as such ("≈").
 */
export function dbInstanceClassMemoryBytes(classMemoryGiB: number): number {
  const totalMiB = classMemoryGiB * 1024;
  const reservedMiB = 250 + 0.02 * totalMiB;
  return Math.floor(classMemoryGiB * GIB_BYTES - reservedMiB * MIB_BYTES);
}
