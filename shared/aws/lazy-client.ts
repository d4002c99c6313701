// A client (or any module-backed value) built on first use: its module is loaded by a dynamic import(), so esbuild puts
// it in a chunk that a cold start does not read unless the path that needs it runs.

/** Loads once; a failed load is not remembered, so the next call tries again. */
export type Lazy<T> = () => Promise<T>;

export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load();
      loading.catch(() => {
        loading = undefined;
      });
    }
    return loading;
  };
}

/** A value given directly (tests) or lazily (the handlers). */
export async function resolveLazy<T extends object>(value: T | Lazy<T>): Promise<T> {
  return typeof value === 'function' ? (value as Lazy<T>)() : value;
}
