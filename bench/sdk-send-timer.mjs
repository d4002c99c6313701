// Stands in for @smithy/core/client in the per-event benchmark's bundles: the same Client, timing every send, so the
// SDK's own client-side work (middleware, serialisation, signing, parsing) can be told apart from the pipeline's.
import { Client as RealClient } from '@smithy/core/client';

export * from '@smithy/core/client';

const control = () => globalThis.__benchInMemoryTransport;

export class Client extends RealClient {
  send(command, optionsOrCb, cb) {
    const bench = control();
    if (!bench || bench.mode !== 'replay' || typeof optionsOrCb === 'function' || typeof cb === 'function') return super.send(command, optionsOrCb, cb);
    // Wall time while at least one send is in flight (sends may overlap): their union, not their sum.
    // The main thread's run-queue wait over the same union (read inside it, so the reads are charged to the SDK's share).
    if (bench.sendsInFlight === 0) {
      bench.sendStarted = process.hrtime.bigint();
      bench.sendRunqueueStarted = bench.readRunqueueNs?.();
    }
    bench.sendsInFlight += 1;
    const settle = () => {
      bench.sendsInFlight -= 1;
      if (bench.sendsInFlight === 0) {
        if (bench.readRunqueueNs) bench.sendRunqueueNs = (bench.sendRunqueueNs ?? 0n) + (bench.readRunqueueNs() - bench.sendRunqueueStarted);
        bench.sendNs += process.hrtime.bigint() - bench.sendStarted;
      }
    };
    return super.send(command, optionsOrCb).finally(settle);
  }
}
