import { readRunbook } from '../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook } from '../shared/runbooks/rendered-runbook';
const where = { account: '999999999999', partition: 'aws-us-gov', region: 'us-east-1' };
const dir = process.argv[2] ?? 'runbooks';
for (const name of ['NotificationService-FailbackToPrimary', 'NotificationService-FailoverToDR']) {
  const r = renderLoadedRunbook(readRunbook(`${dir}/${name}.yaml`), projectConfig({}), 'production', where);
  console.log(name, Buffer.byteLength(JSON.stringify(r.content)));
}
