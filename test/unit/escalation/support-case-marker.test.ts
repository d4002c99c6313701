// The support case's marker (review 19 R19-10): what our case's subject carries, and which cases are taken for ours.
import { caseMarker, caseSubject, caseWithMarker } from '../../../shared/escalation/support-case-marker';

const NONCE = '7c0e5b1d9a2f4e68';
const MARKER = caseMarker('inc-3f2a9c1b7d44', 3, NONCE);

describe('caseMarker and caseSubject', () => {
  it('names the incident, the tier and the send\'s nonce, and opens the subject, within the 99 characters of the email subject', () => {
    expect(MARKER).toBe('[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68]');
    expect(caseSubject(MARKER, '[ESCALATED L3][production] NotificationService Queue Depth')).toBe(
      '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production] NotificationService Queue Depth',
    );
    // The marker takes 39 of the 99 characters: a longer email subject is cut after it.
    expect(caseSubject(MARKER, '[ESCALATED L3][production] NotificationService Queue Depth > 1000')).toBe(
      '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production] NotificationService Queue Dept...',
    );
  });

  it.each(['', '7C0E5B1D9A2F4E68', '7c0e5b1d9a2f4e6', '7c0e5b1d 9a2f4e6'])('refuses to make a marker without a nonce of 16 lowercase hex characters (%j)', (nonce) => {
    expect(() => caseMarker('inc-3f2a9c1b7d44', 3, nonce)).toThrow("a support case marker needs the send's nonce (16 hex characters)");
  });

  it('cuts a long subject after the marker, never the marker, to 99 printable characters', () => {
    const long = `[ESCALATED L3][production] ${'NotificationService Queue Depth > 1000 (notification-service-queue) '.repeat(3)}: a cap was reached`;
    const subject = caseSubject(MARKER, long);
    expect(subject).toHaveLength(99);
    expect(subject.startsWith(`${MARKER} [ESCALATED L3][production] NotificationService`)).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
    expect(caseWithMarker([{ caseId: 'case-1', subject }], MARKER)).toBe('case-1');
  });

  it('keeps the subject one line of printable ASCII (an alarm name with a line break or a dash from outside)', () => {
    expect(caseSubject(MARKER, '[ESCALATED L3][production] Queue\u2014Depth\nhigh')).toBe('[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production] Queue-Depth high');
  });
});

describe('caseWithMarker', () => {
  it.each([
    ['our case, as we open it', '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production] NotificationService Queue Depth > 1000', 'case-ours'],
    ['the marker alone', '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68]', 'case-ours'],
    ['a person\'s case about the incident, naming it in its subject', 'Follow-up on inc-3f2a9c1b7d44 L3: queue depth', undefined],
    ['a person\'s reply quoting our subject after other text', 'Re: [inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production] NotificationService', undefined],
    ['the same incident, another tier', '[inc-3f2a9c1b7d44 L4 7c0e5b1d9a2f4e68] [ESCALATED L4][production] NotificationService', undefined],
    ['a tier whose number begins with ours (L30)', '[inc-3f2a9c1b7d44 L30 7c0e5b1d9a2f4e68] [ESCALATED L30][production] NotificationService', undefined],
    ['another incident of the same alarm', '[inc-0000000000aa L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production] NotificationService', undefined],
    ['the marker with other spacing', '[inc-3f2a9c1b7d44  L3 7c0e5b1d9a2f4e68] [ESCALATED L3][production]', undefined],
    ['the marker in capitals', '[INC-3F2A9C1B7D44 L3 7C0E5B1D9A2F4E68] [ESCALATED L3][production]', undefined],
    ['the marker run into the text', '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e68][ESCALATED L3][production]', undefined],
    // Review 20b R20-23: the incident id is no secret; only the send's nonce makes a case ours.
    ['the incident\'s and tier\'s marker without a nonce (the marker before R20-23, or planted)', '[inc-3f2a9c1b7d44 L3] please ignore', undefined],
    ['the marker with another send\'s nonce', '[inc-3f2a9c1b7d44 L3 0123456789abcdef] [ESCALATED L3][production]', undefined],
    ['the marker with our nonce cut short', '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e6] [ESCALATED L3][production]', undefined],
    ['the marker with our nonce and more', '[inc-3f2a9c1b7d44 L3 7c0e5b1d9a2f4e680] [ESCALATED L3][production]', undefined],
    ['the email subject, which carries no marker', '[ESCALATED L3][production] NotificationService Queue Depth > 1000', undefined],
  ])('%s: %s', (_what, subject, expected) => {
    expect(caseWithMarker([{ caseId: 'case-ours', subject }], MARKER)).toBe(expected);
  });

  it('finds ours among others, skips a case without an id or a subject, and finds none in an empty page', () => {
    const cases = [
      { caseId: 'case-other', subject: 'Billing question' },
      { subject: `${MARKER} no id` },
      { caseId: 'case-no-subject' },
      { caseId: 'case-ours', subject: `${MARKER} [ESCALATED L3][production] x` },
    ];
    expect(caseWithMarker(cases, MARKER)).toBe('case-ours');
    expect(caseWithMarker([], MARKER)).toBeUndefined();
  });
});
