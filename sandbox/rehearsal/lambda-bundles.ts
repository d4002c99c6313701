// aws:invokeLambdaFunction in a rehearsal: notification-runbooks-<handler> runs the local bundle dist/handlers/<handler>/index.mjs.
import { functionNameFromArn } from '../../shared/aws/arn';
import { bundlePath, invokeBundle, isBundleBuilt } from '../invoke-bundle';
import type { LambdaResult, RehearsalDeps } from './engine';

/** Deployed functions are named notification-runbooks-<handler> (infra); that is how a rehearsal finds the bundle. */
export const FUNCTION_NAME_PREFIX = 'notification-runbooks-';

export class FunctionNotRehearsableError extends Error {
  override readonly name = 'FunctionNotRehearsableError';
}

/** notification-runbooks-scale-consumers, its ARN, or either with a qualifier -> scale-consumers. */
export function handlerForFunction(functionName: string): string {
  const bare = functionNameFromArn(functionName).split(':')[0] ?? '';
  if (!bare.startsWith(FUNCTION_NAME_PREFIX) || bare.length === FUNCTION_NAME_PREFIX.length) {
    throw new FunctionNotRehearsableError(
      `function ${functionName} is not one of the automation's (${FUNCTION_NAME_PREFIX}<handler>): the rehearsal only runs the local handler bundles`,
    );
  }
  return bare.slice(FUNCTION_NAME_PREFIX.length);
}

export function checkBundle(functionName: string): void {
  const handler = handlerForFunction(functionName);
  if (!isBundleBuilt(handler)) {
    throw new FunctionNotRehearsableError(
      `function ${functionName} runs handler "${handler}", whose bundle ${bundlePath(handler)} is not built: run npm run build` +
        ' (if handlers/' + handler + '.ts does not exist yet, that handler has not been written)',
    );
  }
}

/** Invokes the handler's bundle in this process as Lambda would; a thrown error becomes Lambda's "Unhandled" function error. */
export function bundleInvoker(logSink?: (chunk: string) => void): RehearsalDeps['invokeFunction'] {
  return async (functionName, payload, options): Promise<LambdaResult> => {
    checkBundle(functionName);
    const handler = handlerForFunction(functionName);
    let logs = '';
    const sink = (chunk: string): void => {
      logs += chunk;
      logSink?.(chunk);
    };
    try {
      const returned = await invokeBundle(handler, payload, sink);
      return { payload: returned, ...(options.logTail ? { logs } : {}) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { payload: { errorType: e.name, errorMessage: e.message }, functionError: 'Unhandled', ...(options.logTail ? { logs } : {}) };
    }
  };
}
