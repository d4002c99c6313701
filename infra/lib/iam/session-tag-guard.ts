// Refuses to synthesize a remediation role that carries a session tag key as an IAM tag (review 10b F5).
//
// A session's principal tags are its session tags, incoming transitive tags and the IAM tags of the role it assumed
// (IAM User Guide, "Pass session tags in AWS STS"). An untagged session of a remediation role (the trust admits one, and
// it may do nothing: decision 147) would take a `runbook-region` tag on the role as its own, and with it that region's
// grants. Tags.of(app), a stack-wide tag or a copied construct could add one: this aspect runs after the tag aspects.
import { AspectPriority, Aspects, TagManager, type IAspect } from 'aws-cdk-lib';
import { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { SESSION_TAG_KEYS } from '../../../shared/config/names';

const SESSION_KEYS = Object.values(SESSION_TAG_KEYS).map((key) => key.toLowerCase());

/** The session tag keys among a role's IAM tags, compared case-insensitively (IAM tag keys are). */
export function sessionTagKeysOf(tags: Record<string, string>): string[] {
  return Object.keys(tags).filter((key) => SESSION_KEYS.includes(key.toLowerCase()));
}

class SessionTagGuard implements IAspect {
  constructor(private readonly roleNames: ReadonlySet<string>) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnRole) || typeof node.roleName !== 'string' || !this.roleNames.has(node.roleName)) return;
    const found = sessionTagKeysOf(TagManager.of(node)?.tagValues() ?? {});
    if (found.length > 0) {
      throw new Error(
        `remediation role ${node.roleName} carries the IAM tag ${found.join(', ')}, a session tag key: an untagged session of the role would take it as its ` +
          `own principal tag and hold that region's grants (review 10b F5). Remove the tag (Tags.of(...).add on a scope that holds the role, or exclude ` +
          `AWS::IAM::Role from it)`,
      );
    }
  }
}

/** Refuse, at synthesis, a tag whose key is a session tag key on any of `roleNames` in `scope` (after every tag aspect). */
export function refuseSessionTagsOnRoles(scope: IConstruct, roleNames: readonly string[]): void {
  Aspects.of(scope).add(new SessionTagGuard(new Set(roleNames)), { priority: AspectPriority.READONLY });
}
