// What inspect-security-groups keeps per container instead of rebuilding at every decision (decision 279): a function
// name's two invoke patterns, and each VPC endpoint policy's judgement. Same answers as built afresh, in any order,
// past the bounds.
import { endpointPolicyLimits } from '../../../shared/network/evaluate-routes';
import { invokesFunction } from '../../../shared/playbooks/connection-timeout-api-read';

/** invokesFunction as it was before its patterns were kept: both built at every call. */
function invokesFunctionAfresh(uri: string | undefined, functionName: string): boolean {
  if (uri === undefined) return false;
  const fn = `:function:${functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:[^/:]+)?`;
  return new RegExp(`${fn}/invocations$`).test(uri) || new RegExp(`^arn:[a-z-]+:lambda:[a-z0-9-]+:\\d{12}${fn}$`).test(uri);
}

const arnOf = (name: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const invokeUriOf = (arn: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`;

describe('invokesFunction with its patterns kept per function name', () => {
  // Names with pattern characters in them (a dot matches any character unless escaped), and names that begin alike.
  const names = ['notification-service-consumer', 'notification-service-consumer-health', 'fn.v1', 'fnXv1', 'a+b', 'ab'];
  const uris = names.flatMap((name) => [arnOf(name), `${arnOf(name)}:live`, invokeUriOf(arnOf(name)), invokeUriOf(`${arnOf(name)}:7`), `${arnOf(name)}/x`]);

  it('answers every integration URI for every name as the patterns built afresh do, asked twice and interleaved', () => {
    let matches = 0;
    for (let round = 0; round < 2; round += 1) {
      for (const uri of [...uris, undefined, 'https://example.com/send']) {
        for (const name of round === 0 ? names : [...names].reverse()) {
          const expected = invokesFunctionAfresh(uri, name);
          expect(invokesFunction(uri, name)).toBe(expected);
          if (expected) matches += 1;
        }
      }
    }
    // Each name matches its four invoke forms, never another name's (fn.v1 does not match fnXv1).
    expect(matches).toBe(2 * names.length * 4);
  });

  it('answers right past its bound of 256 names', () => {
    for (let i = 0; i < 600; i += 1) {
      const name = `fn-${i}`;
      expect(invokesFunction(invokeUriOf(arnOf(name)), name)).toBe(true);
      expect(invokesFunction(invokeUriOf(arnOf(`${name}0`)), name)).toBe(false);
    }
  });
});

describe('endpointPolicyLimits with each document judged once', () => {
  const allowOnly = (action: string): string =>
    JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: [action], Resource: '*' }] });

  it('gives the same answer to a document asked again, and each document its own', () => {
    const fullAccess = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    for (let round = 0; round < 2; round += 1) {
      expect(endpointPolicyLimits(fullAccess)).toBeUndefined();
      expect(endpointPolicyLimits(allowOnly('sqs:SendMessage'))).toBe('its policy allows only sqs:SendMessage (or with conditions): calls outside it are refused through the endpoint');
      expect(endpointPolicyLimits('{"Statement":')).toBe('its policy document is not valid JSON');
      expect(endpointPolicyLimits('  ')).toBeUndefined();
    }
  });

  it('answers right past its bound of 128 documents', () => {
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 300; i += 1) {
        expect(endpointPolicyLimits(allowOnly(`sqs:Action${i}`))).toBe(`its policy allows only sqs:Action${i} (or with conditions): calls outside it are refused through the endpoint`);
      }
    }
  });
});
