// Names a Python script uses and never defines, found by python3's own symbol tables (symtable), as a NameError would find
// them at run time but without running the handler: every name a function or the module reads as a global must be bound
// at the module's top level (def, class, import, assignment, or `global` and assigned in a function) or be a builtin.
// Then the module's top level is run (imports, definitions, the helpers' registration; no handler call, no AWS call), so a
// name missing at load fails too.
import { spawnSync } from 'node:child_process';

const CHECKER = `
import builtins, json, symtable, sys
scripts = json.load(sys.stdin)
out = []
for source in scripts:
    top = symtable.symtable(source, '<script>', 'exec')
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    tables, reads = [top], set()
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for symbol in table.get_symbols():
            if table.get_type() != 'module' and symbol.is_declared_global() and symbol.is_assigned():
                bound.add(symbol.get_name())
            if symbol.is_referenced() and (table.get_type() == 'module' or symbol.is_global()):
                reads.add(symbol.get_name())
    missing = sorted(n for n in reads if n not in bound and not hasattr(builtins, n))
    loaded = None
    if not missing:
        try:
            exec(compile(source, '<script>', 'exec'), {'__name__': 'checked_script'})
        except NameError as error:
            loaded = str(error)
    out.append({'missing': missing, 'loadError': loaded})
print(json.dumps(out))
`;

export interface NameCheck {
  /** Names read as globals and bound nowhere at the top level, not builtins. */
  missing: string[];
  /** A NameError running the module's top level, if any. */
  loadError: string | null;
}

/** One check per script, in order (one python3 process for all). */
export function undefinedPythonNames(scripts: readonly string[]): NameCheck[] {
  const run = spawnSync('python3', ['-c', CHECKER], { input: JSON.stringify(scripts), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python3 could not check the scripts: ${run.stderr}`);
  return JSON.parse(run.stdout) as NameCheck[];
}
