// A clock the test moves by hand: sleeping advances it, so nothing waits for real time.
import type { Clock } from '../../shared/clock';

export class ManualClock implements Clock {
  private nowMs: number;

  constructor(start: Date | number = Date.now()) {
    this.nowMs = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  async sleep(ms: number): Promise<void> {
    this.nowMs += ms;
  }

  advanceSeconds(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}
