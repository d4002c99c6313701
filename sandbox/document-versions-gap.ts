// moto 5.2.1 has no SSM ListDocumentVersions: the gap proxy answers it from moto's own documents, one DescribeDocument
// per version (moto keeps every version an UpdateDocument adds, and DeleteDocument with DocumentVersion removes one), so
// the deployment's cleanup and preflight's check read what the emulator holds (decision 233).
import { DescribeDocumentCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { GapReply } from './preflight-gaps';

/** ListDocumentVersions' MaxResults range (SSM API reference): 1-50. */
const MAX_RESULTS = 50;

const refused = (status: number, code: string, message: string): GapReply => ({ status, error: { code, message } });

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Answers ListDocumentVersions (AWS JSON 1.1 body) from moto's DescribeDocument of each version 1..LatestVersion. */
export async function listDocumentVersions(body: string, ssm: Pick<SSMClient, 'send'>): Promise<GapReply> {
  let request: { Name?: unknown; MaxResults?: unknown; NextToken?: unknown };
  try {
    request = JSON.parse(body || '{}') as typeof request;
  } catch {
    return refused(400, 'SerializationException', 'the request body is not JSON');
  }
  if (typeof request.Name !== 'string' || !/^[a-zA-Z0-9_\-.:/]{3,200}$/.test(request.Name)) return refused(400, 'ValidationException', 'Name is required: a document name or ARN');
  const maxResults = request.MaxResults === undefined ? MAX_RESULTS : Number(request.MaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) return refused(400, 'ValidationException', `MaxResults must be 1-${MAX_RESULTS}`);
  const start = request.NextToken === undefined ? 0 : Number(request.NextToken);
  if (!Number.isInteger(start) || start < 0) return refused(400, 'InvalidNextToken', 'The specified token isn\'t valid.');
  let latest: number;
  try {
    const described = await ssm.send(new DescribeDocumentCommand({ Name: request.Name }));
    latest = Number(described.Document?.LatestVersion ?? '0');
  } catch (error) {
    if (errorName(error) === 'InvalidDocument') return refused(400, 'InvalidDocument', 'The specified document does not exist.');
    throw error;
  }
  const versions: Array<Record<string, unknown>> = [];
  for (let version = 1; version <= latest; version += 1) {
    let document;
    try {
      document = (await ssm.send(new DescribeDocumentCommand({ Name: request.Name, DocumentVersion: String(version) }))).Document;
    } catch (error) {
      // A version deleted by DeleteDocument: not listed.
      if (errorName(error) === 'InvalidDocument') continue;
      throw error;
    }
    if (!document) continue;
    versions.push({
      Name: document.Name,
      DocumentVersion: document.DocumentVersion,
      ...(document.VersionName ? { VersionName: document.VersionName } : {}),
      ...(document.CreatedDate ? { CreatedDate: document.CreatedDate.getTime() / 1000 } : {}),
      IsDefaultVersion: document.DocumentVersion === document.DefaultVersion,
      DocumentFormat: document.DocumentFormat,
      Status: document.Status,
    });
  }
  const page = versions.slice(start, start + maxResults);
  const next = start + maxResults < versions.length ? { NextToken: String(start + maxResults) } : {};
  return { status: 200, json: { DocumentVersions: page, ...next } };
}
