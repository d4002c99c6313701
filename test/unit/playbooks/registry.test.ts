// Which handler runs which row: the registry's table (and the README's) held to the handler files, the playbook modules
// and the configuration's troubleshooting table.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../../../shared/config/defaults';
import { parseAutomationConfig } from '../../../shared/config/load-config';
import { PLAYBOOK_HANDLERS, SERVICE_HANDLERS } from '../../../shared/playbooks/registry';

const ROOT = path.resolve(__dirname, '../../..');
const handlerFiles = readdirSync(path.join(ROOT, 'handlers')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
const source = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

describe('playbook registry: handler -> row -> playbook module', () => {
  it('names every handler file exactly once, as a playbook handler or a service handler', () => {
    const named = [...PLAYBOOK_HANDLERS.map((h) => h.handler), ...SERVICE_HANDLERS.map((h) => h.handler)];
    expect(handlerFiles.length).toBe(10);
    expect([...named].sort()).toEqual([...handlerFiles].sort());
  });

  it.each(PLAYBOOK_HANDLERS.map((h) => [h.handler, h.row, h.playbookModule]))('handlers/%s.ts runs row %s from %s', (handler, _row, playbookModule) => {
    expect(existsSync(path.join(ROOT, playbookModule))).toBe(true);
    const imported = `'../${playbookModule.replace(/\.ts$/, '')}'`;
    expect(source(`handlers/${handler}.ts`)).toContain(imported);
  });

  it.each(SERVICE_HANDLERS.map((h) => [h.handler, h.module]))('handlers/%s.ts is wired by %s', (handler, module) => {
    expect(source(`handlers/${handler}.ts`)).toContain(`'../${module.replace(/\.ts$/, '')}'`);
  });

  it("matches the configuration's troubleshooting table: each row's handler is the one registered for it", () => {
    const config = parseAutomationConfig(defaultConfig);
    expect(config.troubleshooting.map((r) => [r.handler, r.id]).sort()).toEqual(PLAYBOOK_HANDLERS.map((h) => [h.handler, h.row]).sort());
  });

  it('is the table the README and the registry header print', () => {
    const readme = source('README.md');
    const header = source('shared/playbooks/registry.ts');
    for (const { handler, row, playbookModule } of PLAYBOOK_HANDLERS) {
      expect(readme).toContain(`| \`${handler}\` | ${row} | \`${playbookModule}\` |`);
      expect(header).toMatch(new RegExp(`//\\s+${handler}\\s+${row}\\s+${playbookModule.replace(/\./g, '\\.')}`));
    }
    for (const { handler, module } of SERVICE_HANDLERS) expect(readme).toContain(`| \`${handler}\` | - | \`${module}\` |`);
  });
});
