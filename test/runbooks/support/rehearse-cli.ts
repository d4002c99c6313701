// Rehearsal tests' driver: `runbook rehearse` as a person runs it, a real process against the emulator, with the
// account's environment; returns the exit status and the rehearsal's JSON result.
import type { RehearsalResult } from '../../../sandbox/rehearsal/engine';
import { runCli, type CliRun } from '../../support/run-cli';

export { runCli, type CliRun };

/** "--param K=V" for each parameter (a list gives one --param per value, as for a StringList). */
export function paramArgs(parameters: Record<string, string | number | readonly string[]>): string[] {
  return Object.entries(parameters).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).flatMap((v: string | number) => ['--param', `${name}=${v}`]),
  );
}

export interface Rehearsal extends CliRun {
  result: RehearsalResult;
}

/** `runbook rehearse <document> --json ...`; fails the test with the CLI's own words if it printed no result. */
export async function rehearseDocument(
  document: string,
  parameters: Record<string, string | number | readonly string[]>,
  env: Record<string, string | undefined>,
  extraArgs: readonly string[] = [],
): Promise<Rehearsal> {
  const run = await runCli(['rehearse', document, '--json', ...paramArgs(parameters), ...extraArgs], env);
  let result: RehearsalResult;
  try {
    result = JSON.parse(run.stdout) as RehearsalResult;
  } catch {
    throw new Error(`runbook rehearse ${document} printed no JSON result (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return { ...run, result };
}

/** A step's outputs by name, from a rehearsal's result. */
export function stepOutputs(result: RehearsalResult, step: string): Record<string, unknown> {
  const found = result.steps.find((s) => s.step === step);
  if (!found) throw new Error(`step ${step} did not run (ran: ${result.steps.map((s) => s.step).join(', ')})`);
  return found.outputs;
}

/** The automation Lambda's decision, parsed from an invoke step's Payload output. */
export function decisionOf(result: RehearsalResult, step: string): Record<string, unknown> {
  const payload = stepOutputs(result, step).Payload;
  if (typeof payload !== 'string') throw new Error(`step ${step} has no Payload output`);
  return JSON.parse(payload) as Record<string, unknown>;
}

/** The name of the alarm whose state changes go to `handler` (the sandbox topology's alarm routes). */
export function alarmOf(topology: { alarmNamesByHandler: Record<string, string[]> }, handler: string): string {
  const name = topology.alarmNamesByHandler[handler]?.[0];
  if (!name) throw new Error(`the topology has no alarm for ${handler}`);
  return name;
}

/** Fails the test with the rehearsal's own failure and standard error unless it succeeded. */
export function expectSucceeded(run: Pick<Rehearsal, 'status' | 'result' | 'stderr'>): void {
  if (run.status !== 0 || run.result.status !== 'Success') {
    throw new Error(`the rehearsal failed (exit ${run.status}): ${JSON.stringify(run.result.failure)}\n${run.stderr}`);
  }
}
