// lazy(): what the handlers keep per container for a module or client loaded on first use (the error-rate enrichment's
// module, the API readers' modules, their clients; decision 279): loaded once, shared by callers at once, and a
// failed load not remembered.
import { lazy } from '../../../shared/aws/lazy-client';

describe('lazy', () => {
  it('loads once, however many callers ask, at once or later', async () => {
    let loads = 0;
    const module = lazy(async () => {
      loads += 1;
      return { readErrorLines: () => 'lines' };
    });
    const [first, second] = await Promise.all([module(), module()]);
    expect(second).toBe(first);
    expect(await module()).toBe(first);
    expect(loads).toBe(1);
  });

  it('does not remember a failed load: the next call loads again, and keeps what that load gives', async () => {
    let loads = 0;
    const module = lazy(async () => {
      loads += 1;
      if (loads === 1) throw Object.assign(new Error("Cannot find module './error-rate-logs'"), { code: 'MODULE_NOT_FOUND' });
      return { loaded: loads };
    });
    await expect(module()).rejects.toThrow("Cannot find module './error-rate-logs'");
    await expect(module()).resolves.toEqual({ loaded: 2 });
    await expect(module()).resolves.toEqual({ loaded: 2 });
    expect(loads).toBe(2);
  });
});
