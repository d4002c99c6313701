// Pure: the parameters each project document declares (runbooks/*.yaml), as a table the handler bundles carry instead of
// parsing YAML at run time; test/unit/escalation/document-parameters.test.ts holds it equal to the documents as deployed.

/** `required`: the document gives no default, so StartAutomationExecution refuses a run without it. */
export type ParameterNeed = 'required' | 'optional';

/**
 * Every parameter of every project document, with whether it is required. NotificationService-CheckDbConnections'
 * API parameter is named by the deployment (ApiName for a REST API, ApiId for an HTTP API, decision 117): the table
 * has the default configuration's ApiName, and nothing here fills it in.
 */
export const DOCUMENT_PARAMETERS: Readonly<Record<string, Readonly<Record<string, ParameterNeed>>>> = {
  'NotificationService-AcknowledgeIncident': { IncidentId: 'required', Note: 'optional', StateTableName: 'optional', AutomationAssumeRole: 'optional' },
  'NotificationService-CheckDbConnections': { ApiName: 'optional', DBInstanceIdentifier: 'optional', RemediationFunctionName: 'optional', AutomationAssumeRole: 'optional' },
  'NotificationService-EscalateToNextTier': { IncidentId: 'required', Level: 'required', RemediationFunctionName: 'optional', AutomationAssumeRole: 'optional' },
  'NotificationService-FailbackToPrimary': {
    ReplicaDBInstanceIdentifier: 'optional',
    DBInstanceIdentifier: 'optional',
    RetiredDBInstanceIdentifier: 'optional',
    EndpointParameterName: 'optional',
    ConsumerFunctionName: 'optional',
    QueueName: 'optional',
    HostedZoneId: 'required',
    RecordName: 'required',
    DrRegion: 'optional',
    AutomationAssumeRole: 'optional',
  },
  'NotificationService-FailoverToDR': {
    ReplicaDBInstanceIdentifier: 'optional',
    EndpointParameterName: 'optional',
    ConsumerFunctionName: 'optional',
    QueueName: 'optional',
    HostedZoneId: 'required',
    RecordName: 'required',
    PrimaryRegion: 'optional',
    AutomationAssumeRole: 'optional',
  },
  'NotificationService-RaiseLambdaMemory': { FunctionName: 'optional', MemorySize: 'optional', RemediationFunctionName: 'optional', AutomationAssumeRole: 'optional' },
  'NotificationService-RestoreDatabase': { SourceDBInstanceIdentifier: 'optional', TargetDBInstanceIdentifier: 'required', AutomationAssumeRole: 'optional' },
  'NotificationService-ScaleConsumers': { QueueName: 'optional', RemediationFunctionName: 'optional', AutomationAssumeRole: 'optional' },
  'NotificationService-ScaleUpDatabase': { DBInstanceIdentifier: 'optional', TargetInstanceClass: 'required', AutomationAssumeRole: 'optional' },
  'NotificationService-TroubleshootConnectionTimeout': {
    ApiName: 'optional',
    SecurityGroupId: 'required',
    SourceSecurityGroupId: 'required',
    Port: 'required',
    RuleDescription: 'optional',
    RemediationFunctionName: 'optional',
    AutomationAssumeRole: 'optional',
  },
};

/**
 * Which parameter of a document takes the incident's resource, by the service in the resource's ARN: each document's
 * own name for it (FailoverToDR promotes a `ReplicaDBInstanceIdentifier`, ScaleUpDatabase resizes a
 * `DBInstanceIdentifier`). A document or a kind not listed takes no resource: its default stands.
 */
export const RESOURCE_PARAMETER: Readonly<Record<string, Readonly<Partial<Record<string, string>>>>> = {
  'NotificationService-CheckDbConnections': { rds: 'DBInstanceIdentifier' },
  'NotificationService-FailbackToPrimary': { rds: 'ReplicaDBInstanceIdentifier' },
  'NotificationService-FailoverToDR': { rds: 'ReplicaDBInstanceIdentifier', sqs: 'QueueName' },
  'NotificationService-RaiseLambdaMemory': { lambda: 'FunctionName' },
  'NotificationService-ScaleConsumers': { sqs: 'QueueName' },
  'NotificationService-ScaleUpDatabase': { rds: 'DBInstanceIdentifier' },
  'NotificationService-TroubleshootConnectionTimeout': { apigateway: 'ApiName' },
};

/** A parameter the configuration supplies, and where it is set (a path under environments.<env>). */
export interface ConfiguredParameter {
  value?: string;
  setting: string;
}

/** The parameters the configuration supplies to any document that declares them: the failover record pair. */
export function configuredParameters(disasterRecovery: { hostedZoneId?: string; failoverRecordName?: string } | undefined): Record<string, ConfiguredParameter> {
  return {
    HostedZoneId: { setting: 'disasterRecovery.hostedZoneId', ...(disasterRecovery?.hostedZoneId ? { value: disasterRecovery.hostedZoneId } : {}) },
    RecordName: { setting: 'disasterRecovery.failoverRecordName', ...(disasterRecovery?.failoverRecordName ? { value: disasterRecovery.failoverRecordName } : {}) },
  };
}

/** A document's run as the message may print it, or why it may not: what it lacks or does not declare. */
export type DocumentParameters = { ok: true; parameters: Record<string, string[]> } | { ok: false; missing: string[]; unknown: string[] };

/**
 * The parameters of one run of `documentName`, from the document's declared parameters only: the resource under the
 * document's own name for it, what the decision named (already the project's own, isProjectRunbook), then what the
 * configuration supplies. A required parameter nobody supplies, or a name the document does not declare, makes the run
 * not printable (SSM would refuse it): `missing` names each with where it is set, `unknown` each undeclared name.
 */
export function documentParameters(
  documentName: string,
  sources: {
    resource?: { id: string; arn: string };
    named?: Readonly<Record<string, readonly string[]>>;
    configured?: Readonly<Record<string, ConfiguredParameter>>;
    environment: string;
  },
): DocumentParameters {
  const declared = DOCUMENT_PARAMETERS[documentName];
  if (!declared) return { ok: false, missing: [], unknown: [`${documentName} is not a project document`] };
  const parameters: Record<string, string[]> = {};
  const service = sources.resource?.arn.split(':')[2];
  const resourceParameter = service ? RESOURCE_PARAMETER[documentName]?.[service] : undefined;
  if (resourceParameter && sources.resource) parameters[resourceParameter] = [sources.resource.id];
  for (const [name, values] of Object.entries(sources.named ?? {})) parameters[name] = [...values];
  const missing: string[] = [];
  for (const [name, need] of Object.entries(declared)) {
    if (parameters[name] !== undefined) continue;
    const configured = (sources.configured ?? configuredParameters(undefined))[name];
    if (configured?.value !== undefined) parameters[name] = [configured.value];
    else if (need === 'required') missing.push(configured ? `${name} (environments.${sources.environment}.${configured.setting}, not set)` : name);
  }
  const unknown = Object.keys(parameters).filter((name) => !(name in declared));
  return missing.length === 0 && unknown.length === 0 ? { ok: true, parameters } : { ok: false, missing, unknown };
}
