// Pure: the marker a support case's subject carries (its incident and tier) and the match that finds an earlier attempt's case.
import { emailSubject, MAX_SUBJECT_CHARS } from './render-email';

/**
 * `[inc-3f2a9c1b7d44 L3]`: the incident and the tier, one case each (a send is claimed per incident and tier; review 19
 * R19-10). It opens the case's subject and is found nowhere else: the tier's email and chat carry the incident's id
 * in other forms, so a person opening a case by hand writes this token only by copying one of our cases' subjects.
 */
export function caseMarker(incidentId: string, tierLevel: number): string {
  return `[${incidentId} L${tierLevel}]`;
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
 * that names the incident elsewhere in its subject, another tier's marker (`L3` is not `L30`), the marker quoted
 * after other text, or with other spacing or case, is not ours. Undefined when none is.
 */
export function caseWithMarker(cases: ReadonlyArray<{ caseId?: string | undefined; subject?: string | undefined }>, marker: string): string | undefined {
  const found = cases.find((c) => c.caseId !== undefined && c.caseId !== '' && c.subject !== undefined && (c.subject === marker || c.subject.startsWith(`${marker} `)));
  return found?.caseId;
}
