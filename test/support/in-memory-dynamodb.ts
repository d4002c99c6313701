// The state table held in memory behind a DynamoDB document client's `send`, for unit tests that run the real stores
// (IncidentStore, EscalationStore, DecisionRecords) over items a test writes or forges.
//
// As DynamoDB and the document client do: items by their key (pk, sk); every read and write copies (a caller never
// holds the table's own object), string sets stay Sets, undefined attributes are dropped (the project's clients set
// removeUndefinedValues); PutItem answers the old item for ReturnValues ALL_OLD; a Query selects by its
// KeyConditionExpression (pk = ..., and on sk begins_with, BETWEEN or a comparison), orders by sk (ScanIndexForward
// false: descending), counts Limit before its FilterExpression (equalities joined by AND) and pages with
// LastEvaluatedKey / ExclusiveStartKey (none on the page that ends the partition; `pageItems` stands for the 1 MB end of a page); TransactWriteItems applies its Puts;
// DeleteItem deletes; a PutItem's condition is evaluated for the expressions the incident claim and reserveChange write
// (`putCondition`; refused with ALL_OLD as DynamoDB answers it); UpdateItem reads only `ADD #name :value` on a number (answering UPDATED_NEW), optionally after
// `SET #token = :token`, and its `attribute_exists(pk)` condition (refused as DynamoDB does when the item is absent), or
// that and the token's guard (refused when the item carries the token: ALL_OLD answers its strings and numbers). What it does not do: other write conditions
// (a PutItem's it does not read, the escalation store's, a transaction's ConditionCheck) are not evaluated. A write is applied, or a conditional one is
// refused with the error a test sets in `refusal`: these tests forge records DynamoDB's conditions would refuse, to reach
// the stores' parsing of what comes back. Any other command, or an expression it does not read, throws naming it.
import { isDeepStrictEqual } from 'node:util';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;
type Key = { pk: unknown; sk: unknown };

/** An item's strings and numbers as DynamoDB's attribute values: what a refusal's ALL_OLD carries (the document client does not convert it). */
function attributeValues(item: Item): Record<string, { S?: string; N?: string }> {
  return Object.fromEntries(
    Object.entries(item).flatMap(([name, value]): Array<[string, { S?: string; N?: string }]> =>
      typeof value === 'string' ? [[name, { S: value }]] : typeof value === 'number' ? [[name, { N: String(value) }]] : [],
    ),
  );
}

type AttributeValue = { S?: string; N?: string; BOOL?: boolean; NULL?: true; M?: Record<string, AttributeValue>; L?: AttributeValue[] };

/** A value as DynamoDB's attribute value (strings, numbers, booleans, null, maps, lists): what a PutItem refusal's ALL_OLD carries. */
function attributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.map(attributeValue) };
  if (typeof value === 'object') return { M: Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, attributeValue(v)])) };
  throw new Error(`the test table does not answer a refusal holding ${typeof value}`);
}

/**
 * A PutItem's ConditionExpression on the item it would replace, as DynamoDB evaluates it, for the expressions the incident
 * claim writes: `attribute_not_exists(pk)` (a claim, a first reservation), and terms joined by AND, each
 * `attribute_not_exists(#name)`, `#name = :value` (deep equality, maps and lists included, as DynamoDB's `=`) or
 * `name < :value` (numbers) (a takeover, conditioned on the record it read). Undefined: an expression it does not read
 * (the write is then applied, as before).
 */
function putCondition(input: PutCommand['input']): ((old: Item | undefined) => boolean) | undefined {
  const expression = input.ConditionExpression;
  if (expression === undefined) return () => true;
  const { name, value } = resolver(input, expression);
  const terms = expression.split(/\s+AND\s+/).map((term): ((old: Item | undefined) => boolean) | undefined => {
    const absent = new RegExp(`^attribute_not_exists\\(${NAME}\\)$`).exec(term.trim());
    if (absent?.[1]) {
      const attribute = name(absent[1]);
      return (old) => old === undefined || old[attribute] === undefined;
    }
    const comparison = new RegExp(`^${NAME}\\s*(=|<)\\s*${VALUE}$`).exec(term.trim());
    if (comparison?.[1] && comparison[3]) {
      const attribute = name(comparison[1]);
      const wanted = value(comparison[3]);
      return comparison[2] === '='
        ? (old) => old?.[attribute] !== undefined && isDeepStrictEqual(documentCopy(old[attribute]), documentCopy(wanted))
        : (old) => typeof old?.[attribute] === 'number' && typeof wanted === 'number' && (old[attribute] as number) < wanted;
    }
    return undefined;
  });
  if (terms.some((term) => term === undefined)) return undefined;
  return (old) => terms.every((term) => term?.(old));
}

/**
 * A deep copy as the document client hands one out: plain objects and arrays of this realm (structuredClone's would read
 * as "Object" in zod's messages), a string set as a Set, undefined attributes dropped.
 */
export function documentCopy<T>(value: T): T {
  if (value instanceof Set) return new Set([...value].map(documentCopy)) as T;
  if (Array.isArray(value)) return value.map(documentCopy) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, documentCopy(v)])) as T;
  }
  return value;
}

function idOf(key: Key): string {
  return `${String(key.pk)}|${String(key.sk)}`;
}

/** DynamoDB's ordering of a string sort key (UTF-8 bytes; the same as code units for these keys). */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

interface ExpressionInput {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

function resolver(input: ExpressionInput, expression: string): { name(token: string): string; value(token: string): unknown } {
  return {
    name: (token) => {
      if (!token.startsWith('#')) return token;
      const name = input.ExpressionAttributeNames?.[token];
      if (name === undefined) throw new Error(`${expression}: ${token} is not in ExpressionAttributeNames`);
      return name;
    },
    value: (token) => {
      if (!input.ExpressionAttributeValues || !(token in input.ExpressionAttributeValues)) throw new Error(`${expression}: ${token} is not in ExpressionAttributeValues`);
      return input.ExpressionAttributeValues[token];
    },
  };
}

const NAME = '(#?[A-Za-z_][\\w]*)';
const VALUE = '(:[\\w]+)';

/** A Query's KeyConditionExpression as a test on an item: the partition key's equality, then the sort key's condition. */
function keyCondition(input: QueryCommand['input']): (item: Item) => boolean {
  const expression = input.KeyConditionExpression ?? '';
  const { name, value } = resolver(input, expression);
  const matched = new RegExp(`^\\s*${NAME}\\s*=\\s*${VALUE}\\s*(?:AND\\s+(.+?))?\\s*$`, 'i').exec(expression);
  if (!matched?.[1] || !matched[2] || name(matched[1]) !== 'pk') throw new Error(`the test table does not read the KeyConditionExpression "${expression}"`);
  const pk = value(matched[2]);
  const onSk = matched[3];
  if (onSk === undefined) return (item) => item.pk === pk;
  const sortKey = (token: string | undefined): void => {
    if (!token || name(token) !== 'sk') throw new Error(`the test table does not read the KeyConditionExpression "${expression}"`);
  };
  const prefix = new RegExp(`^begins_with\\(\\s*${NAME}\\s*,\\s*${VALUE}\\s*\\)$`, 'i').exec(onSk);
  if (prefix) {
    sortKey(prefix[1]);
    const wanted = String(value(prefix[2] ?? ''));
    return (item) => item.pk === pk && typeof item.sk === 'string' && item.sk.startsWith(wanted);
  }
  const between = new RegExp(`^${NAME}\\s+BETWEEN\\s+${VALUE}\\s+AND\\s+${VALUE}$`, 'i').exec(onSk);
  if (between) {
    sortKey(between[1]);
    const [low, high] = [value(between[2] ?? ''), value(between[3] ?? '')];
    return (item) => item.pk === pk && compare(item.sk, low) >= 0 && compare(item.sk, high) <= 0;
  }
  const comparison = new RegExp(`^${NAME}\\s*(<=|>=|=|<|>)\\s*${VALUE}$`).exec(onSk);
  if (comparison) {
    sortKey(comparison[1]);
    const bound = value(comparison[3] ?? '');
    const holds = { '=': (c: number) => c === 0, '<': (c: number) => c < 0, '<=': (c: number) => c <= 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0 }[comparison[2] as '='];
    return (item) => item.pk === pk && holds(compare(item.sk, bound));
  }
  throw new Error(`the test table does not read the KeyConditionExpression "${expression}"`);
}

/** A Query's FilterExpression: equalities or begins_with of a top-level attribute and a value, joined by AND. */
function filter(input: QueryCommand['input']): (item: Item) => boolean {
  const expression = input.FilterExpression;
  if (expression === undefined) return () => true;
  const { name, value } = resolver(input, expression);
  const terms = expression.split(/\s+AND\s+/i).map((term): ((item: Item) => boolean) => {
    const equality = new RegExp(`^\\s*${NAME}\\s*=\\s*${VALUE}\\s*$`).exec(term);
    if (equality?.[1] && equality[2]) {
      const [attribute, wanted] = [name(equality[1]), value(equality[2])];
      return (item) => item[attribute] === wanted;
    }
    const prefix = new RegExp(`^\\s*begins_with\\(\\s*${NAME}\\s*,\\s*${VALUE}\\s*\\)\\s*$`, 'i').exec(term);
    if (prefix?.[1] && prefix[2]) {
      const [attribute, wanted] = [name(prefix[1]), value(prefix[2])];
      return (item) => typeof item[attribute] === 'string' && typeof wanted === 'string' && (item[attribute] as string).startsWith(wanted);
    }
    throw new Error(`the test table does not read the FilterExpression "${expression}"`);
  });
  return (item) => terms.every((holds) => holds(item));
}

export class InMemoryDynamoTable {
  readonly items = new Map<string, Item>();
  /** The DynamoDB operations called, in order (GetItem, PutItem, Query, TransactWriteItems). */
  readonly calls: string[] = [];
  /** What a conditional write answers instead of being applied: its error, as the SDK throws it. */
  refusal: Error | undefined;
  /**
   * Where a page ends when the Query sets no Limit: DynamoDB ends a page at 1 MB of items read, with LastEvaluatedKey, so
   * a reader that does not page loses the rest. Undefined: one page holds the whole partition.
   */
  pageItems: number | undefined;

  /** Writes an item as it is, as anyone who can write the table would. */
  forge(item: Item): void {
    this.items.set(idOf(item as Key), documentCopy(item));
  }

  /** The stored item itself (for a test to read or forge from), not a copy. */
  get(key: { pk: string; sk: string }): Item | undefined {
    return this.items.get(idOf(key));
  }

  private query(input: QueryCommand['input']): { Items: Item[]; LastEvaluatedKey?: Key } {
    const selected = [...this.items.values()].filter(keyCondition(input)).sort((a, b) => compare(a.sk, b.sk));
    if (input.ScanIndexForward === false) selected.reverse();
    const start = input.ExclusiveStartKey ? selected.findIndex((item) => idOf(item as Key) === idOf(input.ExclusiveStartKey as Key)) + 1 : 0;
    const pageSize = input.Limit ?? this.pageItems;
    const evaluated = selected.slice(start, pageSize === undefined ? undefined : start + pageSize);
    const last = evaluated.at(-1);
    const more = start + evaluated.length < selected.length;
    return {
      Items: evaluated.filter(filter(input)).map(documentCopy),
      ...(more && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
    };
  }

  readonly client = {
    send: async (command: unknown): Promise<unknown> => {
      if (command instanceof GetCommand) {
        this.calls.push('GetItem');
        const found = this.items.get(idOf(command.input.Key as Key));
        return { Item: found ? documentCopy(found) : undefined };
      }
      if (command instanceof PutCommand) {
        this.calls.push('PutItem');
        if (this.refusal && command.input.ConditionExpression !== undefined) throw this.refusal;
        const item = command.input.Item as Item;
        const old = this.items.get(idOf(item as Key));
        const condition = putCondition(command.input);
        if (condition && !condition(old)) {
          const refused = old && command.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: attributeValue(old).M } : {};
          throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', ...refused });
        }
        this.forge(item);
        return command.input.ReturnValues === 'ALL_OLD' && old ? { Attributes: documentCopy(old) } : {};
      }
      if (command instanceof DeleteCommand) {
        this.calls.push('DeleteItem');
        this.items.delete(idOf(command.input.Key as Key));
        return {};
      }
      if (command instanceof UpdateCommand) {
        this.calls.push('UpdateItem');
        const { Key: key, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values } = command.input;
        const add = /^(?:SET (#\w+) = (:\w+) )?ADD (#\w+) (:\w+)$/.exec(update ?? '');
        const [, setName, setValue, addName, addValue] = add ?? [];
        // The write's own token (decision 348): refused when the item already carries it.
        const tokenGuard = setName && setValue ? `attribute_exists(pk) AND (attribute_not_exists(${setName}) OR ${setName} <> ${setValue})` : undefined;
        if (!add || (condition !== undefined && condition !== 'attribute_exists(pk)' && condition !== tokenGuard)) {
          throw new Error(`the test table does not answer the UpdateItem ${update ?? ''} / ${condition ?? ''}`);
        }
        const found = this.items.get(idOf(key as Key));
        const token = setName ? { name: names?.[setName] ?? '', value: values?.[setValue ?? ''] } : undefined;
        if ((condition && !found) || (condition === tokenGuard && token && found?.[token.name] === token.value)) {
          const old = found && command.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: attributeValues(found) } : {};
          throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', ...old });
        }
        const name = names?.[addName ?? ''] ?? '';
        const by = values?.[addValue ?? ''];
        const was = found?.[name];
        if (typeof by !== 'number' || (was !== undefined && typeof was !== 'number')) throw new Error(`the test table adds only numbers (UpdateItem ${update ?? ''})`);
        const next = ((was as number | undefined) ?? 0) + by;
        this.forge({ ...(found ?? (key as Item)), ...(token ? { [token.name]: token.value } : {}), [name]: next });
        return command.input.ReturnValues === 'UPDATED_NEW' ? { Attributes: { ...(token ? { [token.name]: token.value } : {}), [name]: next } } : {};
      }
      if (command instanceof QueryCommand) {
        this.calls.push('Query');
        return this.query(command.input);
      }
      if (command instanceof TransactWriteCommand) {
        this.calls.push('TransactWriteItems');
        const writes = command.input.TransactItems ?? [];
        const unread = writes.find((write) => !write.Put && !write.ConditionCheck);
        if (unread) throw new Error(`the test table does not answer a TransactWriteItems ${Object.keys(unread).join(', ')}`);
        if (this.refusal && writes.some((write) => write.ConditionCheck ?? write.Put?.ConditionExpression)) throw this.refusal;
        for (const write of writes) if (write.Put) this.forge(write.Put.Item as Item);
        return {};
      }
      throw new Error(`the test table does not answer ${(command as object).constructor.name}`);
    },
  };
}
