// A runbook document's Content as a synthesized template holds it: its compact JSON text (decision 347), a string or an
// Fn::Join around the stack's tokens, parsed after those are resolved to what AWS will hold.
import { resolveIntrinsics, type Deployed } from './cfn-policies';
import type { CfnResource, CfnTemplate } from './synth';

/** The text CreateDocument will receive for the document `resource`, with the stack's tokens resolved for `d`. */
export function documentContentText(resource: CfnResource, template: CfnTemplate, d: Deployed): string {
  const content = resource.Properties?.Content;
  const text = typeof content === 'string' ? content : resolveIntrinsics(content, template, d);
  if (typeof text !== 'string') throw new Error(`the Content of ${String(resource.Properties?.Name)} is not text: ${JSON.stringify(content).slice(0, 200)}`);
  return text;
}

/** The document `resource`'s content, parsed. */
export function documentContentOf<T = Record<string, unknown>>(resource: CfnResource, template: CfnTemplate, d: Deployed): T {
  return JSON.parse(documentContentText(resource, template, d)) as T;
}
