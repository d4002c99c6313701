// The per-event bench's accounting of the machine's share (issue 15 item 4): our pipeline's time less its thread's
// run-queue wait, GC apart as well, and the warm-up decisions reported beside the warm figures.
import { firstEventFigures, waitFigures } from '../../../bench/per-event';

describe('waitFigures', () => {
  it("takes each event's own wait out of that event's time, and the wait and GC together for 'without GC'", () => {
    const own = [500, 600, 700, 20_000, 800];
    const waits = [0, 0, 0, 19_300, 0];
    const gc = [0, 0, 0, 0, 300];
    const figures = waitFigures(own, waits, gc);
    expect(figures).toEqual({
      medianUs: 0,
      p99Us: 19_300,
      eventsWithWait: 1,
      ownLessWaitMedianUs: 700,
      ownLessWaitP99Us: 800,
      ownLessWaitNoGcP99Us: 700,
      ownLessWaitNoGcUpperP99Us: 700,
    });
  });

  // Review 19 R19-4: the wait and the pause both taken out count a wait inside the pause twice: a lower bound only.
  it("'without GC' is a range: the wait and the pause both out (lower), the larger of them out (upper)", () => {
    // 1000 us, 300 of them waiting, a 400 us pause: 300 us of ours if the wait was outside the pause, 600 if inside.
    expect(waitFigures([1000], [300], [400])).toMatchObject({ ownLessWaitNoGcP99Us: 300, ownLessWaitNoGcUpperP99Us: 600 });
    // No overlap possible (no pause): the bounds meet.
    expect(waitFigures([1000], [300], [0])).toMatchObject({ ownLessWaitNoGcP99Us: 700, ownLessWaitNoGcUpperP99Us: 700 });
  });

  it('never takes more than the event itself: a pause waited through is not taken out twice below 0', () => {
    // The 900 us GC pause was itself 800 us of waiting: 1000 - 800 - 900 would be -700.
    expect(waitFigures([1000], [800], [900])).toMatchObject({ ownLessWaitP99Us: 200, ownLessWaitNoGcP99Us: 0, ownLessWaitNoGcUpperP99Us: 100 });
    // A wait read a little wider than the timed window is not a negative time.
    expect(waitFigures([100], [130], [0])).toMatchObject({ ownLessWaitMedianUs: 0, ownLessWaitP99Us: 0 });
  });

  it('is not reported where the wait was not read for every event', () => {
    expect(waitFigures([500, 600], undefined, [0, 0])).toBeUndefined();
    expect(waitFigures([500, 600], [0], [0, 0])).toBeUndefined();
    expect(waitFigures([], [], [])).toBeUndefined();
  });
});

describe('firstEventFigures', () => {
  it('reports the first replayed decision, the first ten and the whole warm-up, with and without the wait', () => {
    const own = [5000, 3000, ...Array.from({ length: 18 }, () => 1000)];
    const waits = [4000, 0, ...Array.from({ length: 18 }, () => 0)];
    expect(firstEventFigures(own, waits)).toEqual({
      warmupEvents: 20,
      firstOwnUs: 5000,
      firstTenOwnMedianUs: 1000,
      warmupOwnMedianUs: 1000,
      warmupOwnP99Us: 5000,
      lessWait: { firstUs: 1000, firstTenMedianUs: 1000, warmupMedianUs: 1000, warmupP99Us: 3000 },
    });
    expect(firstEventFigures(own, undefined).lessWait).toBeUndefined();
  });
});
