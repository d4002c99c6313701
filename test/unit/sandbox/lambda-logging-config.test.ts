// The gap proxy keeps a function's LoggingConfig, which moto 5.2.1 takes from no request and answers in none: set by
// CreateFunction and UpdateFunctionConfiguration (only the fields sent), answered where Lambda answers it, forgotten when
// the function is deleted. The proxy wired to moto: test/integration/sandbox/function-log-group.test.ts.
import { LambdaLoggingConfigs, withLoggingConfig, type LoggingConfigRequest } from '../../../sandbox/lambda-logging-config';

const ACCOUNT = '111122223333';
const FN = 'notification-service-consumer';
const at = (request: Partial<LoggingConfigRequest> & { operation: string }): LoggingConfigRequest => ({ accountId: ACCOUNT, region: 'us-east-1', pathname: `/2015-03-31/functions/${FN}/configuration`, body: '', ...request });

describe('LambdaLoggingConfigs', () => {
  it('keeps what CreateFunction sets, with Lambda\'s defaults for the fields not sent; an update changes the fields it sends', () => {
    const configs = new LambdaLoggingConfigs();
    const create = configs.actionOf(at({ operation: 'CreateFunction', pathname: '/2015-03-31/functions', body: JSON.stringify({ FunctionName: FN, LoggingConfig: { LogGroup: '/own/group' } }) }));
    const read = configs.actionOf(at({ operation: 'GetFunctionConfiguration' }));
    if (!create || !read) throw new Error('expected both requests to name the function');
    expect(configs.answerOf(read)).toBeUndefined();
    configs.accepted(create);
    expect(configs.answerOf(read)).toEqual({ LogFormat: 'Text', LogGroup: '/own/group' });
    const update = configs.actionOf(at({ operation: 'UpdateFunctionConfiguration', body: JSON.stringify({ LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' } }) }));
    if (!update) throw new Error('expected the update to name the function');
    configs.accepted(update);
    expect(configs.answerOf(read)).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'WARN', LogGroup: '/own/group' });
    // An update without LoggingConfig (memory, say) leaves it as it is.
    const memory = configs.actionOf(at({ operation: 'UpdateFunctionConfiguration', body: JSON.stringify({ MemorySize: 768 }) }));
    if (!memory) throw new Error('expected the update to name the function');
    configs.accepted(memory);
    expect(configs.answerOf(read)).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'WARN', LogGroup: '/own/group' });
  });

  it('forgets it when the function is deleted or created again, and keeps each function of each account and region apart', () => {
    const configs = new LambdaLoggingConfigs();
    const set = (request: Partial<LoggingConfigRequest>): void => {
      const action = configs.actionOf(at({ operation: 'UpdateFunctionConfiguration', body: JSON.stringify({ LoggingConfig: { LogGroup: '/own/group' } }), ...request }));
      if (!action) throw new Error('no action');
      configs.accepted(action);
    };
    set({});
    const read = (request: Partial<LoggingConfigRequest> = {}) => {
      const action = configs.actionOf(at({ operation: 'GetFunction', pathname: `/2015-03-31/functions/${FN}`, ...request }));
      return action ? configs.answerOf(action) : 'no action';
    };
    expect(read()).toEqual({ LogFormat: 'Text', LogGroup: '/own/group' });
    expect(read({ region: 'us-west-2' })).toBeUndefined();
    expect(read({ accountId: '444455556666' })).toBeUndefined();
    expect(read({ pathname: `/2015-03-31/functions/${encodeURIComponent(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:${FN}`)}` })).toEqual({ LogFormat: 'Text', LogGroup: '/own/group' });
    // A version's configuration is moto's answer, as it was.
    expect(read({ qualifier: '3' })).toBe('no action');
    const recreate = configs.actionOf(at({ operation: 'CreateFunction', pathname: '/2015-03-31/functions', body: JSON.stringify({ FunctionName: FN }) }));
    if (!recreate) throw new Error('no action');
    configs.accepted(recreate);
    expect(read()).toBeUndefined();
    set({});
    const deleted = configs.actionOf(at({ operation: 'DeleteFunction', pathname: `/2015-03-31/functions/${FN}` }));
    if (!deleted) throw new Error('no action');
    configs.accepted(deleted);
    expect(read()).toBeUndefined();
  });

  it('names nothing for a request without an account, or one that neither sets nor reads a configuration', () => {
    const configs = new LambdaLoggingConfigs();
    expect(configs.actionOf({ operation: 'GetFunctionConfiguration', pathname: `/2015-03-31/functions/${FN}/configuration`, body: '' })).toBeUndefined();
    expect(configs.actionOf(at({ operation: 'Invoke', pathname: `/2015-03-31/functions/${FN}/invocations` }))).toBeUndefined();
    expect(configs.actionOf(at({ operation: 'DeleteFunction', pathname: `/2015-03-31/functions/${FN}`, qualifier: '3' }))).toBeUndefined();
  });

  it('puts it where Lambda does: on the configuration, in GetFunction under Configuration; none kept, the answer as it was', () => {
    const loggingConfig = { LogFormat: 'Text', LogGroup: '/own/group' };
    expect(JSON.parse(withLoggingConfig('GetFunctionConfiguration', Buffer.from('{"MemorySize":512}'), loggingConfig).toString())).toEqual({ MemorySize: 512, LoggingConfig: loggingConfig });
    expect(JSON.parse(withLoggingConfig('GetFunction', Buffer.from('{"Configuration":{"MemorySize":512},"Code":{}}'), loggingConfig).toString())).toEqual({
      Configuration: { MemorySize: 512, LoggingConfig: loggingConfig },
      Code: {},
    });
    expect(withLoggingConfig('GetFunctionConfiguration', Buffer.from('{"MemorySize":512}'), undefined).toString()).toBe('{"MemorySize":512}');
    expect(withLoggingConfig('GetFunctionConfiguration', Buffer.from('not json'), loggingConfig).toString()).toBe('not json');
  });
});
