// check-db-connections records its reading from the connection figures alone (decision 279): the reading is the one the
// whole diagnosis gives, for every case of connections, max_connections and saturation.
import { connectionFigures, connectionsReading, diagnoseDatabase, type DbConnectionsObservation } from '../../../shared/playbooks/high-latency-plan';
import { observation, policy } from '../../support/high-latency-observation';

describe('connectionFigures: the reading check-db-connections records', () => {
  it.each<[string, DbConnectionsObservation, { connections?: number; max?: number; percent?: number; saturated: boolean }]>([
    ['saturated (3300 of about 3505)', observation({ connections: [1200, 3300] }), { connections: 3300, max: 3505, percent: (3300 / 3505) * 100, saturated: true }],
    ['exactly at the 80% threshold of a fixed 1000', observation({ connections: [800] }, {}, '1000'), { connections: 800, max: 1000, percent: 80, saturated: true }],
    ['under the threshold', observation({ connections: [400, 420, 410] }), { connections: 410, max: 3505, percent: (410 / 3505) * 100, saturated: false }],
    ['no datapoints', observation({ connections: [] }), { max: 3505, saturated: false }],
    ['max_connections unknown (a class not in the table)', observation({ connections: [500] }, { instanceClass: 'db.x9.large' }), { connections: 500, saturated: false }],
    ['an expression that is not evaluated', observation({ connections: [500] }, {}, '{log(DBInstanceClassMemory/8187281418)*1000}'), { connections: 500, saturated: false }],
    ['zero max_connections', observation({ connections: [5] }, {}, '0'), { connections: 5, max: 0, saturated: false }],
    ['the MySQL default', observation({ connections: [1300] }, { engine: 'mysql', instanceClass: 'db.r6g.large' }), { connections: 1300, max: 1317, percent: (1300 / 1317) * 100, saturated: true }],
  ])('%s: its figures, and the same reading as from the whole diagnosis', (_case, obs, expected) => {
    const figures = connectionFigures(obs, policy);
    expect(figures.connections).toBe(expected.connections);
    expect(figures.maxConnections.value).toBe(expected.max);
    if (expected.percent === undefined) expect(figures.connectionsPercent).toBeUndefined();
    else expect(figures.connectionsPercent).toBeCloseTo(expected.percent, 10);
    expect(figures.saturated).toBe(expected.saturated);
    const diagnosis = diagnoseDatabase(obs, policy);
    expect(connectionsReading(obs, figures, policy, 'incident-1')).toEqual(connectionsReading(obs, diagnosis, policy, 'incident-1'));
  });
});
