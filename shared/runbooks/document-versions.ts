// The versions of a deployed runbook document besides its default: each is still startable by number (review 13 R13-15,
// decisions 221, 233), so the deployment deletes them and preflight FAILs while any is left.
import { DeleteDocumentCommand, GetDocumentCommand, ListDocumentVersionsCommand, type SSMClient } from '@aws-sdk/client-ssm';
// The YAML parser is most of what the deployment's cleanup carries besides the SDK (114,739 of its bundle's 541,881 bytes;
// decision 289): it is needed, since the documents were registered as YAML (CfnDocument documentFormat 'YAML'; JSON text
// since decision 347, and a version registered before is still read) and the hash
// compared is of the parsed content (at synth, of the object CloudFormation is given). Asking GetDocument for
// DocumentFormat JSON instead would hash SSM's own conversion, which nothing here can check against real SSM (moto
// converts with PyYAML), and a hash that differed would have deleteSupersededVersions refuse every document ("no version
// of <name> has the deployed content") and the deployment fail. A lazy import() would not shrink it either: the custom
// resources are bundled without splitting, and every hashed document takes this path.
import { parse } from 'yaml';
import { canonicalJson, contentHash } from '../config/content-hash';

export { canonicalJson, contentHash };

/** The content hash of one registered version, as GetDocument answers it (JSON or YAML). */
export async function versionContentHash(ssm: Pick<SSMClient, 'send'>, name: string, version: string): Promise<string> {
  const got = await ssm.send(new GetDocumentCommand({ Name: name, DocumentVersion: version }));
  return contentHash(got.DocumentFormat === 'JSON' ? (JSON.parse(got.Content ?? 'null') as unknown) : (parse(got.Content ?? '') as unknown));
}

/**
 * The version (newest first) of the document whose content has `reviewedHash`, among `versions`; undefined when none
 * has. One GetDocument per version read, stopping at the first that matches.
 */
export async function versionWithContent(ssm: Pick<SSMClient, 'send'>, name: string, versions: readonly string[], reviewedHash: string): Promise<string | undefined> {
  for (const version of [...versions].sort((a, b) => Number(b) - Number(a))) {
    if ((await versionContentHash(ssm, name, version)) === reviewedHash) return version;
  }
  return undefined;
}

export interface DocumentVersions {
  name: string;
  /** The default version's number (what a start that names no version runs). */
  defaultVersion: string;
  /** Every other version's number, oldest first. */
  superseded: string[];
  /** The highest version number: the one a deploy's UpdateDocument (UpdateMethod NewVersion) made and set as default. */
  latestVersion: string;
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
  const latestVersion = [defaultVersion, ...superseded].reduce((a, b) => (Number(b) > Number(a) ? b : a));
  return { name, defaultVersion, superseded, latestVersion };
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

/** What one document's cleanup got to, kept when it throws: what to report as left (review 15, R15-9). */
export interface CleanupProgress {
  /** The versions as listed before anything was deleted (undefined: the listing itself failed). */
  found?: DocumentVersions;
  /** Versions deleted by this cleanup. */
  deleted: string[];
  /** Versions whose DeleteDocument failed but which are no longer listed: someone (or an earlier attempt) deleted them. */
  alreadyGone: string[];
}

export const newCleanupProgress = (): CleanupProgress => ({ deleted: [], alreadyGone: [] });

/**
 * Deletes every version of the document but its default, one DeleteDocument with DocumentVersion each (without a
 * version DeleteDocument deletes them all, so a version is always named; the default is never named). Returns what was
 * found and deleted; `progress` says how far it got when it throws. A DeleteDocument that fails for a version no longer
 * listed afterwards counts as done (already deleted: the goal holds, whatever error SSM gave for it).
 */
export async function deleteSupersededVersions(ssm: Pick<SSMClient, 'send'>, name: string, reviewedHash: string, progress: CleanupProgress = newCleanupProgress()): Promise<DocumentVersions> {
  const found = await documentVersions(ssm, name);
  progress.found = found;
  if (found.superseded.length === 0) return found;
  // Deleted only when the default is the reviewed content: someone with ssm:UpdateDocumentDefaultVersion may have moved
  // the default to another version (an earlier one, or one added by hand), and deleting "all but the default" would then
  // delete the reviewed version (review 15, R15-7). Nothing is deleted and the caller fails, naming what to run. There is
  // no fallback without the hash: "the default is the latest" proves nothing about who made it so (review 16, R16-8).
  if ((await versionContentHash(ssm, name, found.defaultVersion)) !== reviewedHash) {
    const reviewed = await versionWithContent(ssm, name, found.superseded, reviewedHash);
    throw new Error(
      reviewed !== undefined
        ? `the default version ${found.defaultVersion} of ${name} is not the deployed content; version ${reviewed} is: someone moved the default. Nothing deleted; make it the default again (aws ssm update-document-default-version --name ${name} --document-version ${reviewed}) and deploy again`
        : `no version of ${name} has the deployed content (the default is ${found.defaultVersion}): nothing deleted; runbook preflight shows what differs`,
    );
  }
  for (const version of found.superseded) {
    if (version === found.defaultVersion || !/^[1-9][0-9]*$/.test(version)) throw new Error(`refusing to delete version "${version}" of ${name}: only a numbered version other than the default ${found.defaultVersion}`);
    try {
      await ssm.send(new DeleteDocumentCommand({ Name: name, DocumentVersion: version }));
      progress.deleted.push(version);
    } catch (error) {
      // Read again: a version no longer listed is deleted, which is what was asked; otherwise the error stands.
      const still = await documentVersions(ssm, name).catch(() => undefined);
      if (still === undefined || still.defaultVersion === version || still.superseded.includes(version)) throw error;
      progress.alreadyGone.push(version);
    }
  }
  return found;
}

/** The command that makes a version the default again (preflight's fix text when the reviewed content is not the default). */
export function setDefaultVersionCommand(name: string, version: string, region: string): string {
  return `aws ssm update-document-default-version --name ${name} --document-version ${version} --region ${region}`;
}

/** The command that deletes one superseded version by hand (preflight's fix text). */
export function deleteVersionCommand(name: string, version: string, region: string): string {
  return `aws ssm delete-document --name ${name} --document-version ${version} --region ${region}`;
}
