// What each Automation action needs and produces: required inputs, outputs it makes without declaring them, IAM actions it calls.
// Source: Systems Manager user guide, "Systems Manager Automation actions reference" (one page per action).

export interface ActionSpec {
  /** Inputs that must be present. */
  required: readonly string[];
  /** Groups of inputs of which at least one must be present (e.g. aws:sleep: Duration or Timestamp). */
  oneOf?: ReadonlyArray<readonly string[]>;
  /** Outputs the action produces whether or not the step declares them ("You don't need to specify the outputs of an action"). */
  implicitOutputs: readonly string[];
  /** The action calls Service/Api from its inputs (executeAwsApi and the two property actions). */
  callsApi?: boolean;
  /**
   * IAM actions the automation's role needs for the action itself (not for a Service/Api call, which is derived from
   * the inputs). A function of the inputs for actions whose calls depend on them.
   */
  iamActions?: (inputs: Record<string, unknown>) => string[];
}

const none: readonly string[] = [];

export const ACTIONS: Readonly<Record<string, ActionSpec>> = {
  'aws:approve': {
    required: ['Approvers'],
    implicitOutputs: ['ApprovalStatus', 'ApproverDecisions'],
    // The approval request goes to the SNS topic as the automation's role.
    iamActions: (inputs) => (inputs.NotificationArn !== undefined ? ['sns:Publish'] : []),
  },
  'aws:assertAwsResourceProperty': { required: ['Service', 'Api', 'PropertySelector', 'DesiredValues'], implicitOutputs: none, callsApi: true },
  'aws:branch': { required: ['Choices'], implicitOutputs: none },
  'aws:changeInstanceState': {
    required: ['InstanceIds', 'DesiredState'],
    implicitOutputs: none,
    iamActions: (inputs) => {
      const byState: Record<string, string> = { running: 'ec2:StartInstances', stopped: 'ec2:StopInstances', terminated: 'ec2:TerminateInstances' };
      const state = typeof inputs.DesiredState === 'string' ? byState[inputs.DesiredState] : undefined;
      const checkOnly = inputs.CheckStateOnly === true || inputs.CheckStateOnly === 'true';
      return ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstances', ...(checkOnly ? [] : state ? [state] : Object.values(byState))];
    },
  },
  'aws:copyImage': { required: ['SourceRegion', 'SourceImageId', 'ImageName'], implicitOutputs: ['ImageId', 'ImageState'], iamActions: () => ['ec2:CopyImage', 'ec2:DescribeImages'] },
  'aws:createImage': { required: ['InstanceId', 'ImageName'], implicitOutputs: ['ImageId', 'ImageState'], iamActions: () => ['ec2:CreateImage', 'ec2:DescribeImages'] },
  'aws:createStack': {
    required: ['StackName'],
    oneOf: [['TemplateBody', 'TemplateURL']],
    implicitOutputs: ['StackId', 'StackStatus', 'StackStatusReason'],
    iamActions: () => ['cloudformation:CreateStack', 'cloudformation:DescribeStacks'],
  },
  'aws:createTags': {
    required: ['ResourceIds', 'Tags'],
    implicitOutputs: none,
    iamActions: (inputs) => (inputs.ResourceType === undefined || inputs.ResourceType === 'EC2' ? ['ec2:CreateTags'] : ['ssm:AddTagsToResource']),
  },
  'aws:deleteImage': { required: ['ImageId'], implicitOutputs: none, iamActions: () => ['ec2:DeregisterImage', 'ec2:DescribeImages'] },
  'aws:deleteStack': { required: ['StackName'], implicitOutputs: none, iamActions: () => ['cloudformation:DeleteStack', 'cloudformation:DescribeStacks'] },
  'aws:executeAutomation': {
    required: ['DocumentName'],
    implicitOutputs: ['Output', 'ExecutionId', 'Status'],
    iamActions: () => ['ssm:StartAutomationExecution', 'ssm:GetAutomationExecution'],
  },
  'aws:executeAwsApi': { required: ['Service', 'Api'], implicitOutputs: ['OutputPayload'], callsApi: true },
  'aws:executeScript': { required: ['Runtime'], oneOf: [['Script', 'Attachment']], implicitOutputs: ['Payload', 'OutputPayload'] },
  'aws:executeStateMachine': {
    required: ['stateMachineArn'],
    implicitOutputs: ['ExecutionArn', 'Status', 'Output'],
    iamActions: () => ['states:StartExecution', 'states:DescribeExecution'],
  },
  'aws:invokeLambdaFunction': {
    required: ['FunctionName'],
    implicitOutputs: ['StatusCode', 'FunctionError', 'LogResult', 'Payload', 'ExecutedVersion', 'OutputPayload'],
    iamActions: () => ['lambda:InvokeFunction'],
  },
  'aws:invokeWebhook': { required: ['IntegrationName'], implicitOutputs: ['Response', 'ResponseCode'] },
  'aws:loop': { required: ['Steps'], oneOf: [['Iterators', 'LoopCondition']], implicitOutputs: ['CurrentIteration', 'CurrentIteratorValue'] },
  'aws:pause': { required: none, implicitOutputs: none },
  'aws:runCommand': {
    required: ['DocumentName'],
    oneOf: [['InstanceIds', 'Targets']],
    implicitOutputs: ['CommandId', 'Status', 'ResponseCode', 'Output'],
    iamActions: () => ['ssm:SendCommand', 'ssm:ListCommands', 'ssm:ListCommandInvocations'],
  },
  'aws:runInstances': { required: ['ImageId'], implicitOutputs: ['InstanceIds'], iamActions: () => ['ec2:RunInstances', 'ec2:DescribeInstances'] },
  'aws:sleep': { required: none, oneOf: [['Duration', 'Timestamp']], implicitOutputs: none },
  'aws:updateVariable': { required: ['Name', 'Value'], implicitOutputs: none },
  'aws:waitForAwsResourceProperty': { required: ['Service', 'Api', 'PropertySelector', 'DesiredValues'], implicitOutputs: none, callsApi: true },
};

/** Inputs of the property actions that are not API parameters. */
export const PROPERTY_ACTION_INPUTS: readonly string[] = ['Service', 'Api', 'PropertySelector', 'DesiredValues'];

/** executeScript runtimes AWS has retired, with why (aws:executeScript page of the Automation actions reference). */
export const RETIRED_SCRIPT_RUNTIMES: Readonly<Record<string, string>> = {
  'python3.6': 'since 2024-12-04 AWS refuses to create or update runbooks using it, and since 2025-02-18 refuses to run them',
  'python3.7': 'since 2024-12-04 AWS refuses to create or update runbooks using it, and since 2025-02-18 refuses to run them',
  'python3.8': 'since 2024-12-04 AWS refuses to create or update runbooks using it, and since 2025-02-18 refuses to run them',
  'PowerShell Core 6.0': 'it runs on .NET Core 2.1, which is out of support',
};
export const CURRENT_SCRIPT_RUNTIMES: readonly string[] = ['python3.9', 'python3.10', 'python3.11', 'PowerShell 7.0', 'PowerShell 7.4'];
