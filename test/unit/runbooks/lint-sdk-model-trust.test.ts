// A document's Service picks which SDK client package the linter loads to read its model, and loading a package runs
// its code. A package planted in the working directory's node_modules (an untrusted checkout being linted) is listed by
// the catalog, but never required: the linter loads only clients Node resolves from the linter itself.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SdkCatalog } from '../../../shared/runbooks/sdk-catalog';
import { isLinterOwnPackage, sdkModels } from '../../../shared/runbooks/sdk-model';

const MARKER = '__plantedSdkClientRan';

describe('the linter never runs a client package planted outside its own installation', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lint-planted-'));
    const pkg = join(root, 'node_modules', '@aws-sdk', 'client-planted');
    mkdirSync(join(pkg, 'dist-cjs'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@aws-sdk/client-planted', version: '1.0.0', main: './dist-cjs/index.js' }));
    // What a malicious package would do on require(): here it only leaves a mark, and exports a well-formed schema.
    writeFileSync(join(pkg, 'dist-cjs', 'index.js'), `globalThis.${MARKER} = true; exports['DoThing$'] = [9, 'planted', 'DoThing', 0, 0, 0];`);
    delete (globalThis as Record<string, unknown>)[MARKER];
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    delete (globalThis as Record<string, unknown>)[MARKER];
  });

  it('lists the planted package (the document can name it) but does not load it', () => {
    const catalog = new SdkCatalog(() => [join(root, 'node_modules')]);
    // The fault is in place: the catalog resolves the document's Service to the planted package.
    expect(catalog.clientFor('planted')?.packageName).toBe('@aws-sdk/client-planted');
    expect(sdkModels(catalog).operation('planted', 'DoThing')).toBeUndefined();
    expect((globalThis as Record<string, unknown>)[MARKER]).toBeUndefined();
  });

  it('isLinterOwnPackage: the linter\'s own node_modules only, entry inside the package', () => {
    const modules = join(root, 'node_modules');
    const dir = join(modules, '@aws-sdk', 'client-x');
    expect(isLinterOwnPackage(dir, join(dir, 'dist-cjs', 'index.js'), [modules])).toBe(true);
    expect(isLinterOwnPackage(dir, join(dir, 'dist-cjs', 'index.js'), [join(root, 'other', 'node_modules')])).toBe(false);
    expect(isLinterOwnPackage(dir, join(dir, '..', '..', '..', 'evil.js'), [modules])).toBe(false);
    expect(isLinterOwnPackage(dir, dir, [modules])).toBe(false);
  });

  it('still loads the installed clients (rds ModifyDBInstance has its model)', () => {
    expect(sdkModels(new SdkCatalog()).operation('rds', 'ModifyDBInstance')?.client.packageName).toBe('@aws-sdk/client-rds');
  });
});
