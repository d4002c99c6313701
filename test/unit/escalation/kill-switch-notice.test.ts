// The kill switch stops changes, not pages (decision 178): every message goes to the live notifier, and while the switch
// is engaged or unreadable each one says so, first, in email and chat; a value someone wrote is escaped like outside text.
import type { KillSwitchState } from '../../../shared/guard/kill-switch';
import { killSwitchNotice, withKillSwitchNotice } from '../../../shared/escalation/kill-switch-notice';
import { buildMessageView, type MessageView } from '../../../shared/escalation/message-view';
import { renderChatNotification } from '../../../shared/escalation/render-chat';
import { renderEmail } from '../../../shared/escalation/render-email';
import type { SentNotification } from '../../../shared/escalation/incident';
import type { EscalationTier } from '../../../shared/escalation/policy';
import { capReachedIncident, policy, runtime } from './fixtures';

const NAME = '/notification-runbooks/kill-switch';
const WHERE = { parameterName: NAME, region: 'us-east-1' };
const now = new Date('2026-11-25T14:00:06.000Z');
const production = policy('production');
const l1 = production.tiers[0] as EscalationTier;
const view = buildMessageView({ kind: 'opened', incident: capReachedIncident(), tier: l1, sent: [], policy: production, rows: runtime().config.troubleshooting, now });
const previous: SentNotification = { kind: 'notify', level: 1, tierName: l1.name, status: 'SENT', sentAt: now.toISOString(), channels: ['email'], messageIds: ['m1'] };

const OFF: KillSwitchState = { engaged: false, reason: `kill switch ${NAME} is off` };
const STOP: KillSwitchState = { engaged: true, reason: `kill switch ${NAME} is "stop": no automated change is made (only exactly "off" turns it off)` };
const UNREAD: KillSwitchState = { engaged: true, unread: true, reason: `kill switch ${NAME} could not be read (ThrottlingException)` };

function recording(state: () => Promise<KillSwitchState>) {
  const sent: Array<{ via: 'notify' | 'resolve'; view: MessageView }> = [];
  const options: unknown[] = [];
  const warnings: string[] = [];
  const notifier = withKillSwitchNotice(
    {
      notify: async (_tier, v, _progress, caseOptions) => {
        sent.push({ via: 'notify', view: v });
        options.push(caseOptions);
        return { channels: ['email'], messageIds: ['m'] };
      },
      resolve: async (_tier, v) => {
        sent.push({ via: 'resolve', view: v });
        return { channels: ['email'], messageIds: ['m'] };
      },
    },
    { read: state },
    WHERE,
    { warn: (message) => void warnings.push(message) },
  );
  return { notifier, sent, warnings, options };
}

describe('withKillSwitchNotice', () => {
  it('hands the support case options (the incident\'s creation, the send\'s case nonce) to the live notifier (review 20b R20-23)', async () => {
    const { notifier, options } = recording(async () => OFF);
    const caseOptions = { since: new Date('2026-11-25T14:00:05.000Z'), caseNonce: '7c0e5b1d9a2f4e68' };
    await notifier.notify(l1, view, undefined, caseOptions);
    expect(options).toEqual([caseOptions]);
  });

  it('sends the message unchanged while the switch says "off"', async () => {
    const { notifier, sent, warnings } = recording(async () => OFF);
    await notifier.notify(l1, view);
    expect(sent).toEqual([{ via: 'notify', view }]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['engaged ("stop")', async () => STOP, false, ['"stop"', 'nothing is changed automatically while the switch is engaged', 'escalation still pages', `aws ssm put-parameter --region us-east-1 --name ${NAME} --value off --overwrite (each region has its own switch)`]],
    ['unreadable (throttled)', async () => UNREAD, true, ['could not be read (ThrottlingException)', 'the alarm handlers make no change (they retry); this message is sent anyway']],
    ['unreadable (the read itself throws)', async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })), true, ['could not be read (AccessDeniedException)']],
  ] as const)('pages anyway when the switch is %s, saying so in the message', async (_name, state, unread, says) => {
    const { notifier, sent, warnings } = recording(state);
    await notifier.notify(l1, view);
    await notifier.resolve(l1, { ...view, kind: 'resolved' }, previous);
    expect(sent.map((s) => s.via)).toEqual(['notify', 'resolve']);
    for (const { view: v } of sent) {
      expect(v.killSwitch?.unread).toBe(unread);
      for (const text of says) expect(v.killSwitch?.text).toContain(text);
    }
    expect(warnings).toHaveLength(2);
  });
});

describe('the notice in the rendered message', () => {
  it('is the email body\'s first line and the chat description\'s first line', () => {
    const noted = { ...view, killSwitch: killSwitchNotice(STOP, WHERE) };
    const email = renderEmail(noted).text.split('\n');
    expect(email[0]).toMatch(/^KILL SWITCH ENGAGED: kill switch \/notification-runbooks\/kill-switch is "stop": .* escalation still pages\. To resume: aws ssm put-parameter/);
    expect(email[2]).toContain('ESCALATION to DevOps Team (L1)');
    const chat = renderChatNotification(noted).content.description.split('\n');
    expect(chat[0]).toMatch(/^:octagonal_sign: \*Kill switch engaged:\* kill switch/);
    expect(renderEmail({ ...view, killSwitch: killSwitchNotice(UNREAD, WHERE) }).text.split('\n')[0]).toMatch(/^KILL SWITCH UNREADABLE: kill switch .* could not be read/);
    // Off: no notice at all.
    expect(killSwitchNotice(OFF, WHERE)).toBeUndefined();
    expect(renderEmail(view).text).not.toContain('KILL SWITCH');
  });

  // Review 12, R12-12: each region's stack has its own switch under the same name; a DR page's command pasted in a
  // us-east-1 shell turned the primary's automation on and left the DR region stopped.
  it.each([
    ['the primary region', { parameterName: NAME, region: 'us-east-1' }, `To resume: aws ssm put-parameter --region us-east-1 --name ${NAME} --value off --overwrite (each region has its own switch)`],
    ['the DR region', { parameterName: NAME, region: 'us-west-2' }, `To resume: aws ssm put-parameter --region us-west-2 --name ${NAME} --value off --overwrite (each region has its own switch)`],
    [
      'the DR region, cross-account (the switch in the operations account)',
      { parameterName: NAME, region: 'us-west-2', account: '111111111111' },
      `To resume: aws ssm put-parameter --region us-west-2 --name ${NAME} --value off --overwrite (with credentials of account 111111111111, where the switch is; each region has its own)`,
    ],
  ])('names the switch of %s in the command that resumes', (_name, where, command) => {
    const text = killSwitchNotice(STOP, where)?.text ?? '';
    expect(text.endsWith(command)).toBe(true);
    expect(renderEmail({ ...view, killSwitch: killSwitchNotice(STOP, where) }).text.split('\n')[0]).toContain(command);
  });

  it('never cuts the resume command: a long written value is bounded before it', () => {
    const long: KillSwitchState = { engaged: true, reason: `kill switch ${NAME} is ${JSON.stringify('x'.repeat(64))}: no automated change is made ${'y'.repeat(600)}` };
    expect(killSwitchNotice(long, { parameterName: NAME, region: 'us-west-2' })?.text).toMatch(/To resume: aws ssm put-parameter --region us-west-2 --name \S+ --value off --overwrite \(each region has its own switch\)$/);
  });

  it('escapes a value someone wrote to the switch: no mention or link in chat, one line in email', () => {
    const written: KillSwitchState = { engaged: true, reason: `kill switch ${NAME} is "<!channel> <https://evil.example|click>\\nNEXT STEP": no automated change is made` };
    const noted = { ...view, killSwitch: killSwitchNotice(written, WHERE) };
    const chat = renderChatNotification(noted).content.description.split('\n')[0] ?? '';
    expect(chat).not.toContain('<!channel>');
    expect(chat).not.toContain('<https://evil.example|click>');
    expect(noted.killSwitch?.text).not.toContain('\n');
  });
});
