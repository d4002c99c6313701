// Synthesis validates every environment's section of the configuration the handlers are deployed with (decision 108: a
// handler validates at start only the environment it runs in, so a broken section of another one is refused here).
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from '../../infra/lib/app';
import { ConfigurationError } from '../../shared/errors';
import { ROOT_DIR } from './support/synth';

function synthError(config: unknown, environment?: string): unknown {
  const app = new App({ context: { config: JSON.stringify(config), ...(environment ? { environment } : {}) } });
  try {
    buildRunbookApp(app, { rootDir: ROOT_DIR, nag: false, handlers: [] });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the configuration at synth', () => {
  it.each([
    ['staging, deploying every environment', undefined],
    ['staging, deploying production only', 'production'],
  ])('a broken section of %s is refused, naming the field', (_name, environment) => {
    const error = synthError({ environments: { staging: { scaleConsumers: { maxConcurrency: 5000 } } } }, environment);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues).toEqual(['environments.staging.scaleConsumers.maxConcurrency: Too big: expected number to be <=1000']);
  });

  it('a valid override synthesizes (the refusal above is the broken section\'s)', () => {
    expect(synthError({ environments: { staging: { scaleConsumers: { maxConcurrency: 1000 } } } }, 'production')).toBeUndefined();
  });
});
