// Two of moto_server's per-request computations whose answers never change while it runs, cached in the emulator we
// start (a Python sitecustomize on its PYTHONPATH): what it answers is unchanged, only how often it recomputes it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the emulator prints at start: the caches it applied, by these names ("none" when moto has changed shape). */
export const MOTO_SPEEDUPS_LOG_PREFIX = 'sandbox moto speedups:';
export const MOTO_SPEEDUPS = ['jsonpath-parse-cache', 'backend-lookup-cache'] as const;

/**
 * Measured on moto 5.2.1 (decision 196): its EventBridge builds a new jsonpath_ng parser, LALR tables and all, for each of
 * the 8 input paths of each target of each event it delivers (~155 ms of CPU per delivery, ~12 ms with the cache); and
 * each request looks its service up by listing moto's package directory (~0.8 ms a request). A parsed path and a host's
 * backend are pure functions of their text: caching them changes no answer. Each patch is applied only if moto still has
 * that shape; any other sitecustomize on the path still runs after this one.
 */
export const SITECUSTOMIZE_PY = `# Written by sandbox/moto-speedups.ts for the moto_server the sandbox starts. See that file.
import sys


def _apply():
    applied = []
    try:
        import functools
        import jsonpath_ng.ext

        jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
        applied.append("${MOTO_SPEEDUPS[0]}")
    except Exception as error:  # moto without jsonpath_ng: nothing to cache
        sys.stderr.write(f"sandbox moto speedups: jsonpath cache not applied: {error!r}\\n")
    try:
        from moto.moto_server import werkzeug_app

        dispatcher = werkzeug_app.DomainDispatcherApplication
        uncached = dispatcher.get_backend_for_host
        backends = {}

        def get_backend_for_host(self, host):
            if host not in backends:
                backends[host] = uncached(self, host)
            return backends[host]

        dispatcher.get_backend_for_host = get_backend_for_host
        applied.append("${MOTO_SPEEDUPS[1]}")
    except Exception as error:
        sys.stderr.write(f"sandbox moto speedups: backend lookup cache not applied: {error!r}\\n")
    sys.stderr.write("${MOTO_SPEEDUPS_LOG_PREFIX} " + (" ".join(applied) or "none") + "\\n")


def _chain():
    # Another sitecustomize further down the path (a distribution's) still runs, as it would without this one.
    import importlib.machinery
    import importlib.util
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_apply()
_chain()
`;

/**
 * Writes the sitecustomize into a new temporary directory and returns it with the PYTHONPATH that puts it first (the
 * caller removes the directory when the emulator has stopped).
 */
export function writeMotoSpeedups(inheritedPythonPath: string | undefined): { dir: string; pythonPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'moto-speedups-'));
  writeFileSync(join(dir, 'sitecustomize.py'), SITECUSTOMIZE_PY);
  return { dir, pythonPath: inheritedPythonPath ? `${dir}:${inheritedPythonPath}` : dir };
}
