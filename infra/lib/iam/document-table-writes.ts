// What the runbook documents' role may write in the state table (review 11b F7): exactly the items and attributes its
// documents' UpdateItem steps name, read from the steps themselves. Pure and CDK-free.

/** The state table's key attributes (infra/lib/constructs/state-table.ts): DynamoDB counts them in dynamodb:Attributes. */
export const STATE_TABLE_KEYS = ['pk', 'sk'] as const;

/**
 * ReturnValues that return only the attributes the request names (DynamoDB developer guide, "Using IAM policy conditions
 * for fine-grained access control": with dynamodb:Attributes, UpdateItem's ReturnValues must be NONE, UPDATED_OLD or
 * UPDATED_NEW, since ALL_OLD / ALL_NEW read the attributes the grant does not name).
 */
export const ATTRIBUTE_BOUND_RETURN_VALUES = ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] as const;

/** Words of an update or condition expression that are not attribute names (DynamoDB expression syntax). */
const EXPRESSION_WORDS = new Set([
  'SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN',
  'if_not_exists', 'list_append', 'attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size',
]);

interface Step {
  name?: unknown;
  action?: unknown;
  inputs?: Record<string, unknown>;
}

export class DocumentTableWriteError extends Error {
  override readonly name = 'DocumentTableWriteError';
}

/** `{{ IncidentId }}` -> `*`: the partition a step's Key may name, as a dynamodb:LeadingKeys pattern. */
const keyPattern = (value: string): string => value.replace(/\{\{[^}]*\}\}/g, '*');

/**
 * The condition of the documents' role's state-table grant: the partitions (dynamodb:LeadingKeys) and attributes
 * (dynamodb:Attributes) the documents' UpdateItem steps name, and ReturnValues bound to those attributes. Throws
 * (failing synth) for a document whose state-table call cannot be bound this way: another DynamoDB API, an attribute
 * named outside ExpressionAttributeNames, a ReturnValues that reads the whole item.
 */
export function documentTableWriteCondition(documents: ReadonlyArray<{ name: string; content: Record<string, unknown> }>): Record<string, Record<string, string[] | string>> | undefined {
  const partitions = new Set<string>();
  const attributes = new Set<string>(STATE_TABLE_KEYS);
  for (const doc of documents) {
    for (const step of (doc.content.mainSteps as Step[] | undefined) ?? []) {
      const inputs = step.inputs ?? {};
      if (String(inputs.Service).toLowerCase() !== 'dynamodb') continue;
      const where = `${doc.name} step ${String(step.name)}`;
      if (inputs.Api !== 'UpdateItem') throw new DocumentTableWriteError(`${where}: dynamodb ${String(inputs.Api)} is not bound by infra/lib/iam/document-table-writes.ts (only UpdateItem)`);
      const key = inputs.Key as Record<string, { S?: unknown }> | undefined;
      const pk = key?.pk?.S;
      if (typeof pk !== 'string' || Object.keys(key ?? {}).some((k) => !(STATE_TABLE_KEYS as readonly string[]).includes(k))) {
        throw new DocumentTableWriteError(`${where}: its Key must be the table's pk (a string) and sk`);
      }
      if (pk.startsWith('{{')) throw new DocumentTableWriteError(`${where}: its partition key is a parameter throughout; name the item's prefix literally`);
      partitions.add(keyPattern(pk));
      const returnValues = String(inputs.ReturnValues ?? 'NONE');
      if (!(ATTRIBUTE_BOUND_RETURN_VALUES as readonly string[]).includes(returnValues)) {
        throw new DocumentTableWriteError(`${where}: ReturnValues ${returnValues} reads attributes the grant does not name; use ${ATTRIBUTE_BOUND_RETURN_VALUES.join(', ')}`);
      }
      const names = (inputs.ExpressionAttributeNames as Record<string, unknown> | undefined) ?? {};
      for (const expression of [inputs.UpdateExpression, inputs.ConditionExpression]) {
        if (expression === undefined) continue;
        const bare = String(expression)
          .replace(/[#:][A-Za-z0-9_]+/g, ' ')
          .split(/[^A-Za-z0-9_]+/)
          .filter((word) => word && !EXPRESSION_WORDS.has(word) && !/^\d+$/.test(word));
        if (bare.length > 0) throw new DocumentTableWriteError(`${where}: ${bare.join(', ')} named outside ExpressionAttributeNames`);
      }
      for (const name of Object.values(names)) attributes.add(String(name));
    }
  }
  if (partitions.size === 0) return undefined;
  return {
    // dynamodb:LeadingKeys and dynamodb:Attributes are multivalued: ForAllValues (the developer guide requires it for
    // LeadingKeys), and Null false on LeadingKeys so a request without it (none of UpdateItem's) is not let through vacuously.
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions].sort() },
    'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes].sort() },
    // UpdateItem always carries ReturnValues (NONE unless set): StringEquals, as the developer guide's example 3.
    StringEquals: { 'dynamodb:ReturnValues': [...ATTRIBUTE_BOUND_RETURN_VALUES] },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}
