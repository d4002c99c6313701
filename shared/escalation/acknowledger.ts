// Who acknowledged an incident: the principal AWS verified (never typed), a self-declared note beside it, and how both read.
import type { Incident } from './incident';

/**
 * A principal as STS GetCallerIdentity (`Arn`) and SSM GetAutomationExecution (`ExecutedBy`) name it: an IAM user, an
 * assumed-role session, a federated user or the root user (IAM User Guide, "IAM identifiers"; moto names its own
 * access keys `sts::ACCOUNT:user/moto`). Names: IAM's character set, 64 characters a segment at most, 1024 in all here.
 */
const PRINCIPAL_ARN = /^arn:aws(?:-[a-z]+)*:(?:iam|sts)::\d{12}:(?:root|(?:user|assumed-role|federated-user)\/[\w+=,.@/-]{1,1024})$/;

/**
 * What `runbook ack --by` and the document's `Note` may say: the document's allowedPattern, so a note reads the same
 * whichever way it was written (names, emails, ticket ids; one line, no markup).
 */
export const ACK_NOTE_PATTERN = /^[A-Za-z0-9 ._@()+-]{1,128}$/;

export function isPrincipalArn(value: string): boolean {
  return PRINCIPAL_ARN.test(value);
}

/** The note as it will be stored (trimmed; empty is none), or why it is refused. */
export function checkAckNote(value: string | undefined): { note: string | undefined } | { refused: string } {
  const note = value?.trim();
  if (!note) return { note: undefined };
  if (!ACK_NOTE_PATTERN.test(note)) {
    return { refused: `the note "${note.slice(0, 40)}${note.length > 40 ? '…' : ''}" is not 1-128 letters, digits, spaces or . _ @ ( ) + -` };
  }
  return { note };
}

/**
 * How an acknowledger is shown (the timer's stop reason, `runbook incidents`, messages): the verified principal first,
 * the note labelled as the acknowledger's own claim. A stored acknowledger that is not a principal ARN (written before
 * decision 174, or into the table by hand) is shown quoted and marked unverified, never as if AWS had said it.
 */
export function acknowledgerLabel(incident: Pick<Incident, 'acknowledgedBy' | 'acknowledgedNote'>): string {
  const by = incident.acknowledgedBy;
  const note = incident.acknowledgedNote ? ` (self-declared: "${incident.acknowledgedNote}")` : '';
  if (by === undefined || by === '') return `someone (no principal recorded)${note}`;
  if (!isPrincipalArn(by)) return `"${by}" (unverified: not a principal ARN)${note}`;
  return `${by}${sessionNameLabel(by)}${note}`;
}

/**
 * An assumed role's session name is AssumeRole's RoleSessionName, which whoever assumes the role picks (IAM constrains
 * it only by a trust condition on sts:RoleSessionName, which this project cannot see): AWS verified the role, not the
 * name after it (review 12, R12-8). Every assumed role alike: an IAM Identity Center role's session name is the
 * signed-in user's, but what makes a role Identity Center's is its path and trust, which the assumed-role ARN does not
 * carry, and its AWSReservedSSO_ name prefix any role may be created with (review 13, R13-17).
 */
function sessionNameLabel(arn: string): string {
  const match = /:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (!match) return '';
  return ` (role ${match[1] ?? ''} verified; its session name "${match[2] ?? ''}" is chosen by whoever assumed the role)`;
}
