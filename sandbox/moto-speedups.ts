// Two of moto_server's per-request computations whose answers never change while it runs, cached in the emulator we
// start (a Python sitecustomize on its PYTHONPATH): what it answers is unchanged, only how often it recomputes it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the emulator prints at start: the caches it applied, by these names ("none" when moto has changed shape). */
export const MOTO_SPEEDUPS_LOG_PREFIX = 'sandbox moto speedups:';
export const MOTO_SPEEDUPS = ['jsonpath-parse-cache', 'backend-lookup-cache', 'unix-epoch-constant', 'sqs-count-one-clock'] as const;

/**
 * Measured on moto 5.2.1 (decision 196): its EventBridge builds a new jsonpath_ng parser, LALR tables and all, for each of
 * the 8 input paths of each target of each event it delivers (~155 ms of CPU per delivery, ~12 ms with the cache); and
 * each request looks its service up by listing moto's package directory (~0.8 ms a request). A parsed path and a host's
 * backend are pure functions of their text: caching them changes no answer. Each patch is applied only if moto still has
 * that shape; any other sitecustomize on the path still runs after this one.
 *
 * Measured on moto 5.2.1 (decision 310, cProfile of the demo's queue-backup scenario): its SQS decides whether a message
 * is visible, and whether it is delayed, by reading the clock once per message (Message.visible, Message.delayed), and
 * every count of a queue (GetQueueAttributes, and each SendMessage, which reads the queue's attributes) asks both of
 * every message: 12 million clock readings for one demo, about two thirds of moto's CPU, each rebuilding 1970-01-01
 * (moto.core.utils.unix_time: utcfromtimestamp(0) per call). The epoch is a constant (unix-epoch-constant: the same
 * arithmetic, the same values); a count reads the clock once and judges every message against that instant with
 * Message's own comparisons (sqs-count-one-clock: visible_at < now, not now < delayed_until).
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
    try:
        from moto.core import utils as core_utils

        epoch = core_utils.utcfromtimestamp(0)
        uncached_unix_time = core_utils.unix_time

        def unix_time(dt=None):
            dt = dt or core_utils.utcnow()
            delta = dt - epoch
            return (delta.days * 86400) + (delta.seconds + (delta.microseconds / 1e6))

        probe = core_utils.utcfromtimestamp(1765100000.123456)
        if unix_time(probe) != uncached_unix_time(probe):
            raise RuntimeError("moto's unix_time has another shape")
        core_utils.unix_time = unix_time
        try:
            from moto.sqs import models as sqs_models

            if sqs_models.unix_time is uncached_unix_time:
                sqs_models.unix_time = unix_time
        except Exception:
            pass
        applied.append("${MOTO_SPEEDUPS[2]}")
    except Exception as error:
        sys.stderr.write(f"sandbox moto speedups: epoch constant not applied: {error!r}\\n")
    try:
        import inspect
        from moto.sqs import models as sqs_models

        queue, message = sqs_models.Queue, sqs_models.Message
        shapes = {
            (message, "visible"): "current_time > self.visible_at",
            (message, "delayed"): "current_time < self.delayed_until",
            (queue, "messages"): "message.visible and not message.delayed",
            (queue, "approximate_number_of_messages_delayed"): "m.delayed",
            (queue, "approximate_number_of_messages_not_visible"): "not m.visible",
        }
        for (owner, name), text in shapes.items():
            member = owner.__dict__.get(name)
            if not isinstance(member, property) or text not in inspect.getsource(member.fget):
                raise RuntimeError(f"moto's SQS {owner.__name__}.{name} has another shape")

        def messages(self):
            now = sqs_models.unix_time_millis()
            return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

        def delayed(self):
            now = sqs_models.unix_time_millis()
            return len([m for m in self._messages if now < m.delayed_until])

        def not_visible(self):
            now = sqs_models.unix_time_millis()
            return len([m for m in self._messages if not now > m.visible_at])

        queue.messages = property(messages)
        queue.approximate_number_of_messages_delayed = property(delayed)
        queue.approximate_number_of_messages_not_visible = property(not_visible)
        applied.append("${MOTO_SPEEDUPS[3]}")
    except Exception as error:
        sys.stderr.write(f"sandbox moto speedups: SQS one clock per count not applied: {error!r}\\n")
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
