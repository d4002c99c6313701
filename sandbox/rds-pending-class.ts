// RDS answers showing a class change RDS is still making: moto applies one at once and never shows it pending. Pure.

/** An instance mid-change: the class it runs and the class a modification asked for, not yet in effect. */
export interface PendingClassChange {
  runningClass: string;
  pendingClass: string;
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An RDS query-protocol answer (DescribeDBInstances, ModifyDBInstance...) with each DBInstance that `pendingOf` names
 * shown as RDS shows a class change applied at once but not yet done (API reference, DBInstance: DBInstanceStatus
 * `modifying`; PendingModifiedValues.DBInstanceClass, "the name of the compute and memory capacity class for the DB
 * instance" that will be applied): DBInstanceClass the class it runs, the class asked for in PendingModifiedValues.
 * `shown` counts the instances rewritten.
 */
export function withPendingClassChanges(xml: string, pendingOf: (identifier: string) => PendingClassChange | undefined): { xml: string; shown: number } {
  let shown = 0;
  const rewritten = xml.replace(/<DBInstance>([\s\S]*?)<\/DBInstance>/g, (block: string, inner: string) => {
    const id = /<DBInstanceIdentifier>([^<]*)<\/DBInstanceIdentifier>/.exec(inner)?.[1];
    const change = id === undefined ? undefined : pendingOf(id);
    if (!change) return block;
    shown += 1;
    // Whatever moto listed as pending (it lists nothing) gives way to the one change shown.
    const withoutPending = inner.replace(/<PendingModifiedValues\/>|<PendingModifiedValues>[\s\S]*?<\/PendingModifiedValues>/g, '');
    const running = withoutPending
      .replace(/<DBInstanceClass>[^<]*<\/DBInstanceClass>/, `<DBInstanceClass>${escapeXml(change.runningClass)}</DBInstanceClass>`)
      .replace(/<DBInstanceStatus>[^<]*<\/DBInstanceStatus>/, '<DBInstanceStatus>modifying</DBInstanceStatus>');
    return `<DBInstance>${running}<PendingModifiedValues><DBInstanceClass>${escapeXml(change.pendingClass)}</DBInstanceClass></PendingModifiedValues></DBInstance>`;
  });
  return { xml: rewritten, shown };
}
