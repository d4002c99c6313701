// CloudFormation custom resources' common ground: the request fields they read, and where an answer may go (the
// document-version cleanup's, decision 240; the watched log groups', review 22a R22a-5).

/** The CloudFormation custom resource request fields this handler reads (CloudFormation User Guide, "Custom resources"). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  /**
   * The template's properties. On an Update, "the new resource property values"; on the rollback of a failed update
   * CloudFormation sends another Update whose ResourceProperties are the previous template's and OldResourceProperties
   * the failed one's (review 15, R15-9; decision 262).
   */
  ResourceProperties?: Readonly<Record<string, unknown>>;
  OldResourceProperties?: Readonly<Record<string, unknown>>;
}

/**
 * The response goes to the pre-signed S3 URL CloudFormation gives, in its response bucket
 * `cloudformation-custom-resource-response-<region without dashes>` (CloudFormation User Guide, "VPC endpoints": the
 * bucket names) of the function's own region, virtual-hosted (`<bucket>.s3.amazonaws.com`, `.s3-<region>.`,
 * `.s3.<region>.`) or path-style (`s3[.-]<region>.amazonaws.com/<bucket>/`). Anything else is not CloudFormation's (this
 * function can be invoked by whoever may invoke it: another S3 bucket or an API of the same domain would collect the
 * answer; review 15, R15-8), and nothing is sent there.
 */
export function isCloudFormationResponseUrl(url: string, region: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.port !== '' || parsed.username !== '' || parsed.password !== '' || !/^[a-z]{2}(-[a-z]+)+-[0-9]$/.test(region)) return false;
  const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
  const domain = `amazonaws\\.com${region.startsWith('cn-') ? '\\.cn' : ''}`;
  const s3 = `s3(?:[.-]${region})?`;
  if (new RegExp(`^${bucket}\\.${s3}\\.${domain}$`).test(parsed.hostname)) return true;
  return new RegExp(`^${s3}\\.${domain}$`).test(parsed.hostname) && parsed.pathname.startsWith(`/${bucket}/`);
}

