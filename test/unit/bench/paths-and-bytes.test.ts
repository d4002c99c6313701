// The bench's subjects (bench/paths.ts: verify-change on a healthy check and on a revert, each after the handler whose
// change leaves its check) and the breakdown of bytes at init above the floor (bench/bundles.ts), on metafiles made here.
import type { Metafile } from 'esbuild';
import { aboveFloor, byteKindOf } from '../../../bench/bundles';
import { benchSubjects, measuringOrder, PATH_SOURCES } from '../../../bench/paths';

describe('bench subjects', () => {
  const handlers = ['escalate', 'escalation-timer', 'raise-lambda-memory', 'scale-consumers', 'verify-change', 'watch-standby'];

  it('measures verify-change twice (healthy, revert) and every other handler once', () => {
    expect(benchSubjects(handlers).map((s) => `${s.name} <- ${s.handler}`)).toEqual([
      'escalate <- escalate',
      'escalation-timer <- escalation-timer',
      'raise-lambda-memory <- raise-lambda-memory',
      'scale-consumers <- scale-consumers',
      'verify-change <- verify-change',
      'verify-change (revert) <- verify-change',
      'watch-standby <- watch-standby',
    ]);
  });

  it('measures each scheduled path after the handler that leaves it, the healthy check before the revert', () => {
    const order = measuringOrder(benchSubjects(handlers)).map((s) => s.name);
    expect(order).toEqual(['escalate', 'raise-lambda-memory', 'scale-consumers', 'watch-standby', 'escalation-timer', 'verify-change', 'verify-change (revert)']);
    for (const [subject, source] of Object.entries(PATH_SOURCES)) expect(order.indexOf(source.after)).toBeLessThan(order.indexOf(subject));
    expect(PATH_SOURCES['verify-change (revert)']).toMatchObject({ after: 'raise-lambda-memory', playbook: 'raise-lambda-memory' });
    expect(PATH_SOURCES['verify-change']).toMatchObject({ after: 'scale-consumers', playbook: 'scale-consumers' });
  });
});

describe('bytes at init above the floor', () => {
  /** One entry output importing a chunk statically and another dynamically (not loaded at init). */
  function metafile(dir: string, entryInputs: Record<string, number>, chunkInputs: Record<string, number>, lazyInputs: Record<string, number> = {}): Metafile {
    const output = (inputs: Record<string, number>, imports: Array<{ path: string; kind: string }> = []) => ({
      bytes: Object.values(inputs).reduce((a, b) => a + b, 0) + 100,
      inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { bytesInOutput: v }])),
      imports,
      exports: [],
    });
    return {
      inputs: {},
      outputs: {
        [`${dir}/index.mjs`]: output(entryInputs, [
          { path: `${dir}/chunks/a.mjs`, kind: 'import-statement' },
          { path: `${dir}/chunks/lazy.mjs`, kind: 'dynamic-import' },
        ]),
        [`${dir}/chunks/a.mjs`]: output(chunkInputs),
        [`${dir}/chunks/lazy.mjs`]: output(lazyInputs),
      },
    } as unknown as Metafile;
  }

  it('tells the conventions, our code and the SDK apart', () => {
    expect(byteKindOf('node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js').kind).toBe('powertools');
    expect(byteKindOf('node_modules/zod/v4/core/schemas.js').kind).toBe('zod');
    expect(byteKindOf('shared/pipeline/run-playbook.ts').kind).toBe('ours');
    expect(byteKindOf('node_modules/@smithy/core/dist-es/index.js').kind).toBe('sdk');
    expect(byteKindOf('node_modules/@aws-sdk/lib-dynamodb/dist-es/index.js')).toEqual({ kind: 'sdk', name: '@aws-sdk/lib-dynamodb' });
  });

  it('counts Powertools, zod and ours whole, the SDK as bundle minus floor per package, and nothing loaded on demand', () => {
    const bundle = metafile(
      'dist/handlers/h',
      { 'node_modules/@aws-sdk/client-sqs/dist-es/SQSClient.js': 5000, 'shared/a.ts': 700, 'node_modules/zod/v4/core/core.js': 300 },
      { 'node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js': 400, 'node_modules/@aws-sdk/lib-dynamodb/dist-es/index.js': 250, 'shared/b.ts': 50 },
      { 'node_modules/@aws-sdk/credential-providers/dist-es/index.js': 9999 },
    );
    const floor = metafile('dist/bench/floor/0', { 'node_modules/@aws-sdk/client-sqs/dist-es/SQSClient.js': 4800, 'shared/aws/client-config.ts': 20 }, {});
    const above = aboveFloor({ metafile: bundle, file: 'dist/handlers/h/index.mjs' }, { metafile: floor, file: 'dist/bench/floor/0/index.mjs' });
    // Bundle at init: 6000 + 100 + 700 + 100 = 6900; floor: 4820 + 100 + 100 = 5020.
    expect(above.total).toBe(6900 - 5020);
    // ours: 700 + 50 in the bundle, less the floor's own 20 (its client-config import).
    expect(above.byKind).toEqual({ powertools: 400, zod: 300, ours: 730, sdk: 200 + 250, other: 0 });
    expect(above.sdkBeyondFloor).toEqual([
      { name: '@aws-sdk/lib-dynamodb', bytes: 250 },
      { name: '@aws-sdk/client-sqs', bytes: 200 },
    ]);
    expect(above.largestOfOurs).toEqual([
      { name: 'shared/a.ts', bytes: 700 },
      { name: 'shared/b.ts', bytes: 50 },
    ]);
  });
});
