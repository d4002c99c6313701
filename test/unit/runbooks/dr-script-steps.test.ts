// Each aws:executeScript step of the DR documents, as rendered for every environment, carries the part of the shared
// Python its code uses (review 21a, R21-1; decision 347), and python3 finds no name it uses undefined: every global a
// function reads is defined in its own script, and the module's top level loads (the helpers' registration included).
import { join } from 'node:path';
import { DR_SCRIPT_HELPERS } from '../../../shared/config/dr-script-helpers';
import { spawnSync } from 'node:child_process';
import { helperBlocksUsedBy, helpersUsedBy, withCompactIndentation, withoutComments } from '../../../shared/config/python-helpers';
import { readRunbook } from '../../../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook, RENDERED_ENVIRONMENTS } from '../../../shared/runbooks/rendered-runbook';
import { undefinedPythonNames } from '../../support/python-undefined-names';

const DOCUMENTS = join(__dirname, '..', '..', '..', 'runbooks');
const DR_DOCUMENTS = ['NotificationService-FailoverToDR', 'NotificationService-FailbackToPrimary'];
const TOKEN = '${Deploy.DrScriptHelpers}';
type Step = { name: string; action: string; inputs?: { Script?: string } };

const sourceSteps = (name: string): Step[] => (readRunbook(join(DOCUMENTS, `${name}.yaml`)).content as { mainSteps: Step[] }).mainSteps;
const renderedSteps = (name: string, environment: (typeof RENDERED_ENVIRONMENTS)[number], region: string): Step[] =>
  (renderLoadedRunbook(readRunbook(join(DOCUMENTS, `${name}.yaml`)), projectConfig({}), environment, { account: '123456789012', partition: 'aws', region }).content as { mainSteps: Step[] }).mainSteps;
const scriptSteps = (steps: Step[]) => steps.filter((s) => s.action === 'aws:executeScript' && typeof s.inputs?.Script === 'string');

describe('the DR documents\' script steps, rendered', () => {
  const renderings = DR_DOCUMENTS.flatMap((name) => RENDERED_ENVIRONMENTS.flatMap((environment) => ['us-east-1', 'us-west-2'].map((region) => ({ name, environment, region }))));

  it.each(renderings.map((r) => [`${r.name} ${r.environment} ${r.region}`, r] as const))('%s: python3 finds every name each script uses defined in that script, and each loads', (_label, { name, environment, region }) => {
    const steps = scriptSteps(renderedSteps(name, environment, region));
    const checks = undefinedPythonNames(steps.map((s) => s.inputs?.Script ?? ''));
    expect(steps.map((s, i) => ({ step: s.name, ...checks[i] }))).toEqual(steps.map((s) => ({ step: s.name, missing: [], loadError: null })));
  });

  it.each(DR_DOCUMENTS)('%s: a script step gets exactly the helpers its own code uses (computed from the helpers\' source), not the whole text', (name) => {
    const source = scriptSteps(sourceSteps(name)).filter((s) => s.inputs?.Script?.includes(TOKEN));
    const rendered = new Map(scriptSteps(renderedSteps(name, 'production', 'us-east-1')).map((s) => [s.name, s.inputs?.Script ?? '']));
    expect(source.length).toBeGreaterThanOrEqual(3);
    for (const step of source) {
      const own = (step.inputs?.Script ?? '').replace(TOKEN, '');
      const kept = withoutComments(helpersUsedBy(DR_SCRIPT_HELPERS, own));
      expect(rendered.get(step.name)).toContain(withCompactIndentation(kept));
      // No helper the script does not use: each top-level def and class of the shared text it carries is one it needs.
      const needed = new Set(helperBlocksUsedBy(DR_SCRIPT_HELPERS, own).flatMap((b) => [...b.defines]));
      const helperNames = new Set(helperBlocksUsedBy(DR_SCRIPT_HELPERS, withoutComments(DR_SCRIPT_HELPERS)).flatMap((b) => [...b.defines]));
      const carried = [...(rendered.get(step.name) ?? '').matchAll(/^(?:def|class) (\w+)/gm)].map((m) => m[1] as string).filter((n) => helperNames.has(n));
      expect({ step: step.name, unneeded: carried.filter((n) => !needed.has(n)) }).toEqual({ step: step.name, unneeded: [] });
      // Never the whole text, and never its comments.
      expect(rendered.get(step.name)).not.toContain(DR_SCRIPT_HELPERS);
      expect(kept.length).toBeLessThan(withoutComments(DR_SCRIPT_HELPERS).length);
    }
  });

  it('keeps what a used helper needs and what runs at load for it: Deadline.call\'s before-send registration goes with deadline_of, the traffic verdict only with verify_consumers', () => {
    const names = (code: string) => helperBlocksUsedBy(DR_SCRIPT_HELPERS, code).flatMap((b) => (b.defines.size > 0 ? [...b.defines] : [b.text.split('\n').at(-1) ?? '']));
    const deadline = names('def handler(events, context):\n    return deadline_of(10)\n');
    expect(deadline).toEqual(expect.arrayContaining(['Deadline', 'BOUNDED_CALL_SECONDS', '_this_call', '_shared_this_call', 'PastLimit', 'NotAnswered', '_no_attempt_past_limit', '_refuse_attempts_past_limit()']));
    expect(deadline).not.toContain('verify_consumers');
    expect(deadline).not.toContain('consumers_verdict');
    // A helper that needs no call limit comes without the registration or Deadline.
    expect(names('def handler(events, context):\n    return queue_name_of(events["arn"])\n')).toEqual(['queue_name_of']);
    // verify_consumers is handed its Deadline by the script: it brings the verdict and what it raises, not Deadline.
    expect(names('def handler(events, context):\n    return verify_consumers\n')).toEqual(['_time', '_datetime', '_timedelta', '_timezone', 'OutOfTime', 'unanswered_said', 'queue_name_of', 'consumers_verdict', 'verify_consumers']);
  });

  it.each(DR_DOCUMENTS)("%s: each script with the helpers is deployed indented a quarter as deep, and python3 parses it to the same tree as the script uncompacted (review 23b: the documents' 64 KB)", (name) => {
    const source = scriptSteps(sourceSteps(name)).filter((s) => s.inputs?.Script?.includes(TOKEN));
    const rendered = new Map(scriptSteps(renderedSteps(name, 'production', 'us-east-1')).map((s) => [s.name, s.inputs?.Script ?? '']));
    // FailoverToDR: stopPrimaryConsumers, checkReplicaCaughtUp, verifyConsumersSucceed; FailbackToPrimary: those of its
    // own and checkFailbackPlacement, countDrQueue.
    expect(source.length).toBe(name === 'NotificationService-FailoverToDR' ? 3 : 5);
    const pairs = source.map((step) => {
      const script = step.inputs?.Script ?? '';
      const own = script.split('\n').filter((line) => line !== TOKEN).join('\n');
      const uncompacted = withoutComments(script.replace(TOKEN, helpersUsedBy(DR_SCRIPT_HELPERS, own)));
      const deployed = rendered.get(step.name) ?? '';
      return { step: step.name, uncompacted, deployed };
    });
    for (const { step, uncompacted, deployed } of pairs) {
      // Indented: four spaces are one; the uncompacted text has blocks four deep.
      expect({ step, deep: /\n {4}\S/.test(uncompacted), compactedBlock: /\n \S/.test(deployed) }).toEqual({ step, deep: true, compactedBlock: true });
      expect(Buffer.byteLength(deployed)).toBeLessThan(Buffer.byteLength(uncompacted));
    }
    const compare = spawnSync('python3', ['-c', 'import ast, json, sys\nprint(json.dumps([ast.dump(ast.parse(p[0])) == ast.dump(ast.parse(p[1])) for p in json.load(sys.stdin)]))'], {
      input: JSON.stringify(pairs.map((p) => [p.uncompacted, p.deployed])),
      encoding: 'utf8',
    });
    expect(compare.stderr).toBe('');
    expect(pairs.map((p, i) => ({ step: p.step, same: (JSON.parse(compare.stdout) as boolean[])[i] }))).toEqual(pairs.map((p) => ({ step: p.step, same: true })));
  });

  it('compacting keeps a string that spans lines as it is and refuses tabs (the two things that would change a program)', () => {
    const source = "def f():\n    if True:\n        return '''a\n    b'''\n";
    expect(withCompactIndentation(source)).toBe("def f():\n if True:\n  return '''a\n    b'''\n");
    expect(() => withCompactIndentation('def f():\n\treturn 1\n')).toThrow('tabs');
  });

  it('the check finds a helper a script uses but does not carry (the fault it guards against: a helper left out)', () => {
    const [stop] = scriptSteps(renderedSteps('NotificationService-FailbackToPrimary', 'production', 'us-east-1')).filter((s) => s.name === 'stopDrConsumers');
    const script = stop?.inputs?.Script ?? '';
    expect(script).toContain('\ndef deadline_of(');
    const without = script.replace(/\ndef deadline_of\([^]*?\n(?=\S)/, '\n');
    expect(without).not.toContain('def deadline_of(');
    expect(undefinedPythonNames([without])).toEqual([{ missing: ['deadline_of'], loadError: null }]);
  });
});
