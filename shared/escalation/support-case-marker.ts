// Pure: the marker a support case's subject carries (its incident and tier) and the match that finds an earlier attempt's case.
import { CASE_NONCE } from './incident';
import { emailSubject, MAX_SUBJECT_CHARS } from './render-email';

/**
 * `[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68]`: the incident, the tier and the send's nonce, one case each (a send is claimed
 * per incident and tier; review 19 R19-10). The incident id is no secret (every L1/L2 email and chat message prints it,
 * and it is a hash of the alarm's state change): a marker of the incident and tier alone could be planted by anyone
 * allowed support:CreateCase, and our case was then never opened (review 20b R20-23). The nonce is known only to the
 * state table and, once opened, to our case: a case bearing it was opened by an attempt of this send, or copied from one
 * (then ours exists). It opens the case's subject and is found nowhere else: the email and chat do not carry it.
 */
export function caseMarker(incidentId: string, tierLevel: number, nonce: string): string {
  if (!CASE_NONCE.test(nonce)) throw new Error(`a support case marker needs the send's nonce (16 hex characters), got "${nonce}"`);
  return `[${incidentId} L${tierLevel} ${nonce}]`;
}

/**
 * The case's subject: the marker, then the email's subject, cut so the whole stays within the email's own bound
 * (MAX_SUBJECT_CHARS, 99 printable ASCII characters). AWS Support's API reference states no length for a subject;
 * cases were opened with the email's subject (at most 99) before the marker, so the bound is kept, not raised.
 */
export function caseSubject(marker: string, subject: string): string {
  const room = MAX_SUBJECT_CHARS - marker.length - 1;
  const rest = emailSubject(subject);
  const cut = rest.length <= room ? rest : `${rest.slice(0, room - 3).trimEnd()}...`;
  return `${marker} ${cut}`;
}

/**
 * The first case whose subject opens with exactly this marker followed by a space (or is the marker alone): a case
 * that names the incident elsewhere in its subject, another tier's marker (`L3` is not `L30`), another nonce or none
 * (`[inc-… L3]`, the marker before R20-23, or one planted by someone who knows the incident id), the marker quoted after
 * other text, or with other spacing or case, is not ours. Undefined when none is.
 */
export function caseWithMarker(cases: ReadonlyArray<{ caseId?: string | undefined; subject?: string | undefined }>, marker: string): string | undefined {
  const found = cases.find((c) => c.caseId !== undefined && c.caseId !== '' && c.subject !== undefined && (c.subject === marker || c.subject.startsWith(`${marker} `)));
  return found?.caseId;
}
