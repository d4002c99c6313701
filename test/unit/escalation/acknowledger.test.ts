// Who acknowledged (decision 174): a principal ARN as AWS names it, a self-declared note, and how the two read together.
import { acknowledgerLabel, checkAckNote, isPrincipalArn } from '../../../shared/escalation/acknowledger';

describe('isPrincipalArn', () => {
  it.each<[string, string, boolean]>([
    ['an SSO session (STS GetCallerIdentity through IAM Identity Center)', 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OnCall_0123456789abcdef/alice@example.com', true],
    ['an IAM user', 'arn:aws:iam::123456789012:user/alice', true],
    ['an IAM user under a path', 'arn:aws:iam::123456789012:user/ops/alice', true],
    ['the root user', 'arn:aws:iam::123456789012:root', true],
    ['a federated user', 'arn:aws:sts::123456789012:federated-user/bob', true],
    ['moto\'s name for a sandbox key', 'arn:aws:sts::123456789012:user/moto', true],
    ['a GovCloud session', 'arn:aws-us-gov:sts::123456789012:assumed-role/OnCall/alice', true],
    ['a China-region user', 'arn:aws-cn:iam::123456789012:user/alice', true],
    ['a name typed by hand', 'alice@example.com', false],
    ['the SSM document\'s old default', 'on-call (SSM Automation)', false],
    ['a role, not a session (no one acts as a role ARN)', 'arn:aws:iam::123456789012:role/OnCall', false],
    ['an ARN of another service', 'arn:aws:lambda:us-east-1:123456789012:function:escalate', false],
    ['an account that is not 12 digits', 'arn:aws:iam::1234:user/alice', false],
    ['a principal ARN with a second line after it', 'arn:aws:iam::123456789012:user/alice\nacknowledged by bob', false],
    ['a principal ARN with text after a space', 'arn:aws:iam::123456789012:user/alice (really bob)', false],
    ['nothing', '', false],
  ])('%s -> %s', (_case, value, expected) => {
    expect(isPrincipalArn(value)).toBe(expected);
  });
});

describe('checkAckNote', () => {
  it.each<[string, string | undefined, ReturnType<typeof checkAckNote>]>([
    ['no --by', undefined, { note: undefined }],
    ['blank', '   ', { note: undefined }],
    ['a name', 'alice', { note: 'alice' }],
    ['an email with spaces around it', '  alice@example.com ', { note: 'alice@example.com' }],
    ['a ticket', 'INC-4211 (bridge)', { note: 'INC-4211 (bridge)' }],
    ['a Slack mention', '<!channel>', { refused: expect.stringContaining('is not 1-128 letters') as unknown as string }],
    ['two lines', 'alice\nbob', { refused: expect.stringContaining('is not 1-128 letters') as unknown as string }],
    ['129 characters', 'a'.repeat(129), { refused: expect.stringContaining('…') as unknown as string }],
  ])('%s', (_case, value, expected) => {
    expect(checkAckNote(value)).toEqual(expected);
  });
});

describe('acknowledgerLabel', () => {
  const arn = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
  it.each<[string, { acknowledgedBy?: string; acknowledgedNote?: string }, string]>([
    // Review 12, R12-8: AWS verified the role; the session name after it is whatever the assumer passed as RoleSessionName.
    ['an assumed role: the session name labelled as the assumer\'s choice', { acknowledgedBy: arn }, `${arn} (role OnCall verified; its session name "alice" is chosen by whoever assumed the role)`],
    ['an assumed role with a note, labelled as self-declared', { acknowledgedBy: arn, acknowledgedNote: 'bob' }, `${arn} (role OnCall verified; its session name "alice" is chosen by whoever assumed the role) (self-declared: "bob")`],
    // Review 13, R13-17: the AWSReservedSSO_ prefix is a name any role can be created with, and the assumed-role ARN
    // carries neither the role's path nor its trust, so an Identity Center session is labelled like every other.
    [
      'an IAM Identity Center session (AWSReservedSSO_*): labelled, its prefix proves nothing',
      { acknowledgedBy: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OnCall_0123456789abcdef/alice@example.com' },
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OnCall_0123456789abcdef/alice@example.com (role AWSReservedSSO_OnCall_0123456789abcdef verified; its session name "alice@example.com" is chosen by whoever assumed the role)',
    ],
    [
      'a look-alike role named AWSReservedSSO_* (any role may carry the name) assumed with a session name of its choosing',
      { acknowledgedBy: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OnCall_x/jane' },
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OnCall_x/jane (role AWSReservedSSO_OnCall_x verified; its session name "jane" is chosen by whoever assumed the role)',
    ],
    ['an IAM user: its name is IAM\'s', { acknowledgedBy: 'arn:aws:iam::123456789012:user/alice' }, 'arn:aws:iam::123456789012:user/alice'],
    ['free text from an item written before decision 174', { acknowledgedBy: 'alice' }, '"alice" (unverified: not a principal ARN)'],
    ['an ARN-looking lie with extra words', { acknowledgedBy: `${arn} and the L2 lead` }, `"${arn} and the L2 lead" (unverified: not a principal ARN)`],
    ['no principal at all', {}, 'someone (no principal recorded)'],
    ['a note and no principal', { acknowledgedNote: 'alice' }, 'someone (no principal recorded) (self-declared: "alice")'],
  ])('%s', (_case, incident, expected) => {
    expect(acknowledgerLabel(incident)).toBe(expected);
  });
});
