// Review 23a R23a-14: `npx cdk synth` with a bad context (infra/bin/app.ts -> synthesizeOrExplain) prints the context's
// message alone and exits 1, instead of an uncaught exception with a source excerpt; any other error is still thrown.
import { planDeployment } from '../../infra/lib/deployment-plan';
import { synthesizeOrExplain } from '../../infra/lib/synthesize';
import { defaultConfig } from '../../shared/config/defaults';
import { parseAutomationConfig } from '../../shared/config/load-config';

const config = parseAutomationConfig(defaultConfig);

describe('synthesizeOrExplain (infra/bin/app.ts)', () => {
  it.each([
    ['-c environment=prod', { environment: 'prod' }, /^cdk app: context environment must be one of production, staging, development, got "prod"$/],
    ['-c region=us-west-2 alone', { region: 'us-west-2' }, /^cdk app: context region needs context environment/],
    ['-c account=12345', { environment: 'production', account: '12345' }, /^cdk app: the account of production must be a 12-digit AWS account id, got "12345"$/],
  ])('%s: the message alone, exit 1', (_what, context, message) => {
    const lines: string[] = [];
    const code = synthesizeOrExplain('/root-unused', () => void planDeployment(config, context), (line) => lines.push(line));
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('a good context synthesizes, exit 0, nothing printed', () => {
    const lines: string[] = [];
    let planned = 0;
    const code = synthesizeOrExplain('/root-unused', () => void (planned = planDeployment(config, { environment: 'staging' }).length), (line) => lines.push(line));
    expect(code).toBe(0);
    expect(planned).toBeGreaterThan(0);
    expect(lines).toEqual([]);
  });

  it('anything but a context error is thrown as it is (a bug, not the person’s to fix)', () => {
    const lines: string[] = [];
    expect(() =>
      synthesizeOrExplain('/root-unused', () => {
        throw new TypeError('boom');
      }, (line) => lines.push(line)),
    ).toThrow(TypeError);
    expect(lines).toEqual([]);
  });
});
