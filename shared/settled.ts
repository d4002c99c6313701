// Independent reads made at once, with the outcome of reads made one after another.

/**
 * Every value, once all have settled, so no read is left running unobserved; the first failure in the order given
 * is thrown, as when the reads were made one after another.
 */
export async function settledAll<T extends readonly unknown[]>(...reads: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(reads);
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }) as unknown as T;
}

/** One read's value once it has settled, or its failure thrown (reads made at once, judged one after another). */
export function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** A read's outcome once it has settled, never a rejection: a read made ahead, judged later or dropped. */
export function settle<T>(read: Promise<T>): Promise<PromiseSettledResult<T>> {
  return read.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/** Every value, or the first failure (in the order given) thrown once all have settled. */
export function settledValues<T extends readonly unknown[]>(results: { [K in keyof T]: PromiseSettledResult<T[K]> }): T {
  return results.map((result) => settledValue(result as PromiseSettledResult<unknown>)) as unknown as T;
}
