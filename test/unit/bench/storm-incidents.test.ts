// The storm explains its figure per incident: every lane's flap must end in exactly one applied decision, and an incident
// that did not is named with what each of its deliveries recorded (decision 110).
import { stormIncidentProblems, stormIncidents } from '../../../bench/storm';
import type { DeliveryRecord } from '../../../bench/storm-worker';

const lanes = [{ queueName: 'q0' }, { queueName: 'q1' }];
const duplicate = 'duplicate delivery: incident already being handled by another invocation';

/** A storm of 2 lanes x 2 flaps x 3 copies (the last copy of flap 1 a late duplicate of flap 0), every incident applied once. */
function healthy(): DeliveryRecord[] {
  const records: DeliveryRecord[] = [];
  for (let lane = 0; lane < 2; lane += 1) {
    for (let flap = 0; flap < 2; flap += 1) {
      for (let copy = 0; copy < 3; copy += 1) {
        const late = flap === 1 && copy === 2;
        records.push({ lane, flap, copy, ofFlap: late ? 0 : flap, outcome: copy === 0 ? 'applied' : 'skipped', reason: copy === 0 ? `change ${lane}/${flap}` : duplicate, errors: [] });
      }
    }
  }
  return records;
}

describe('the storm per incident', () => {
  it('groups each delivery with the incident its copy carries, the late duplicate with the flap it repeats', () => {
    const incidents = stormIncidents(healthy(), lanes, 2);
    expect(incidents.map((i) => [i.lane, i.flap, i.state, i.applied, i.deliveries.length])).toEqual([
      [0, 0, 'ALARM', 1, 4],
      [0, 1, 'OK', 1, 2],
      [1, 0, 'ALARM', 1, 4],
      [1, 1, 'OK', 1, 2],
    ]);
    expect(stormIncidentProblems(incidents)).toEqual([]);
  });

  it('names an incident whose change was lost, and one changed twice, with what every delivery recorded', () => {
    const records = healthy();
    // Lane 1's OK: the first attempt failed transiently, the retry recorded nothing to restore (the 0.75 of decision 110).
    const lost = records.find((d) => d.lane === 1 && d.flap === 1 && d.copy === 0) as DeliveryRecord;
    Object.assign(lost, { outcome: 'skipped', reason: 'nothing to restore: the automation has not scaled the consumers of q1', errors: ['TransientError: claim taken over'] });
    // Lane 0's ALARM: a duplicate applied as well.
    Object.assign(records.find((d) => d.lane === 0 && d.flap === 0 && d.copy === 1) as DeliveryRecord, { outcome: 'applied', reason: 'change 0/0 again' });
    expect(stormIncidentProblems(stormIncidents(records, lanes, 2))).toEqual([
      `lane 0 (q0) flap 0 (ALARM): 2 applied decisions of 4 deliveries; copy 0: applied: change 0/0; copy 1: applied: change 0/0 again; copy 2: skipped: ${duplicate}; copy 2 (late, with the next flap): skipped: ${duplicate}`,
      `lane 1 (q1) flap 1 (OK): 0 applied decisions of 2 deliveries; copy 0: skipped: nothing to restore: the automation has not scaled the consumers of q1 [after 1 failed attempt: TransientError: claim taken over]; copy 1: skipped: ${duplicate}`,
    ]);
  });

  it('names an incident none of whose deliveries came back', () => {
    const records = healthy().filter((d) => !(d.lane === 0 && d.ofFlap === 1));
    expect(stormIncidentProblems(stormIncidents(records, lanes, 2))).toEqual(['lane 0 (q0) flap 1 (OK): 0 applied decisions of 0 deliveries; no delivery recorded']);
  });
});
