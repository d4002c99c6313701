// Who a tier's people are is configuration: the fix for a tier nobody is subscribed to, as preflight and cdk synth say it.
import type { EscalationChannel } from './schema';

/**
 * The fix for a tier with no (confirmed) subscriber (review 12 R12-6). The tier topic's policy lets only the deployment
 * subscribe (decision 179), so `aws sns subscribe` would be refused (explicit deny): the deployment subscribes the
 * configured people, emails where "email" is among the tier's channels, Slack channels (AWS Chatbot) where "chat" is.
 * test/infra/escalation-subscriptions.test.ts applies this text to the configuration and synthesizes it.
 */
export function noSubscriberFix(environment: string, tier: { level: number; channels: readonly EscalationChannel[] }, pending: boolean): string {
  const field = `environments.${environment}.escalation.tiers[] (level ${tier.level})`;
  const email = tier.channels.includes('email');
  const chat = tier.channels.includes('chat');
  const what = email && chat ? `its addresses to ${field}.emails or its Slack channels to .slack` : email ? `its addresses to ${field}.emails` : `its Slack channels to ${field}.slack (or "email" to its channels and its addresses to .emails)`;
  return `${pending ? 'the pending address(es) confirm by the link in the email AWS sent them; otherwise ' : ''}add ${what} and deploy (cdk deploy); each address then confirms the email AWS sends it (\`aws sns subscribe\` is refused: only the deployment may subscribe to the tier's topic)`;
}
