// Plain-text rendering of decisions and tables for people at a terminal.
import type { Decision } from '../shared/pipeline/types';

const show = (value: unknown): string => (value === undefined ? '-' : JSON.stringify(value));

export function renderDecision(d: Decision): string {
  const lines = [
    `${d.playbook}: ${d.outcome}${d.dryRun ? ' (dry run)' : ''}${d.escalation ? ` — escalate: ${d.escalation.cause}${d.escalation.guardrail ? `/${d.escalation.guardrail}` : ''}` : ''}`,
    `  why:          ${d.reason}`,
  ];
  if (d.alarmName) lines.push(`  alarm:        ${d.alarmName} (${d.alarmState ?? '?'} since ${d.alarmTime ?? '?'})`);
  if (d.resource) lines.push(`  resource:     ${d.resource.type} ${d.resource.id} (${d.resource.arn})`);
  if (d.before) lines.push(`  before:       ${show(d.before)}`);
  if (d.after) lines.push(`  after:        ${show(d.after)}`);
  if (d.blastRadius) lines.push(`  blast radius: ${d.blastRadius}`);
  for (const f of d.findings ?? []) lines.push(`  finding:      ${f}`);
  lines.push(`  environment:  ${d.environment} ${d.region}${d.account ? ` account ${d.account}` : ''}`);
  return lines.join('\n');
}

/** A fixed-width table; the last column may be long. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}
