// The versions of a deployed runbook document besides its default: each is still startable by number (review 13 R13-15,
// decisions 221, 233), so the deployment deletes them and preflight FAILs while any is left.
import { DeleteDocumentCommand, ListDocumentVersionsCommand, type SSMClient } from '@aws-sdk/client-ssm';

export interface DocumentVersions {
  name: string;
  /** The default version's number (what a start that names no version runs). */
  defaultVersion: string;
  /** Every other version's number, oldest first. */
  superseded: string[];
}

interface VersionInfo {
  DocumentVersion?: string | undefined;
  IsDefaultVersion?: boolean | undefined;
}

/** Pure: the default version and the others of one document's ListDocumentVersions answer (all its pages). */
export function splitVersions(name: string, versions: readonly VersionInfo[]): DocumentVersions {
  const numbered = versions.filter((v): v is VersionInfo & { DocumentVersion: string } => typeof v.DocumentVersion === 'string' && v.DocumentVersion !== '');
  const defaults = numbered.filter((v) => v.IsDefaultVersion === true);
  // SSM names exactly one default; anything else is an answer nothing may be deleted on.
  const defaultVersion = defaults.length === 1 ? defaults[0]?.DocumentVersion : undefined;
  if (defaultVersion === undefined) throw new Error(`ListDocumentVersions names ${defaults.length} default versions of ${name}: expected exactly one`);
  const superseded = numbered
    .map((v) => v.DocumentVersion)
    .filter((v) => v !== defaultVersion)
    .sort((a, b) => Number(a) - Number(b));
  return { name, defaultVersion, superseded };
}

/** Every version of the document, through all pages of ListDocumentVersions (at most 50 a page). */
export async function documentVersions(ssm: Pick<SSMClient, 'send'>, name: string): Promise<DocumentVersions> {
  const all: VersionInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(new ListDocumentVersionsCommand({ Name: name, MaxResults: 50, ...(nextToken ? { NextToken: nextToken } : {}) }));
    all.push(...(page.DocumentVersions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return splitVersions(name, all);
}

/**
 * Deletes every version of the document but its default, one DeleteDocument with DocumentVersion each (without a
 * version DeleteDocument deletes them all, so a version is always named; the default is never named). Returns what was
 * found and deleted.
 */
export async function deleteSupersededVersions(ssm: Pick<SSMClient, 'send'>, name: string): Promise<DocumentVersions> {
  const found = await documentVersions(ssm, name);
  for (const version of found.superseded) {
    if (version === found.defaultVersion || !/^[1-9][0-9]*$/.test(version)) throw new Error(`refusing to delete version "${version}" of ${name}: only a numbered version other than the default ${found.defaultVersion}`);
    await ssm.send(new DeleteDocumentCommand({ Name: name, DocumentVersion: version }));
  }
  return found;
}

/** The command that deletes one superseded version by hand (preflight's fix text). */
export function deleteVersionCommand(name: string, version: string, region: string): string {
  return `aws ssm delete-document --name ${name} --document-version ${version} --region ${region}`;
}
