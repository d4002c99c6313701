// The input and output shapes of an AWS operation, read from the installed AWS SDK v3 client's own model.
//
// Each @aws-sdk/client-* package (3.7xx and later) exports its Smithy model at run time as static schemas: for an
// operation `<Op>$ = [9, namespace, name, traits, () => input, () => output]`, and for a structure
// `[3, namespace, name, traits, memberNames, memberSchemas, requiredCount?]`, the first `requiredCount` members being
// the required ones (@smithy/types static-schemas.d.ts; @smithy/core's HTTP binding reads `schema[6]` the same way).
// `NormalizedSchema` from the client's own @smithy/core walks them (list / map / structure / scalar). These are the
// models boto3's are generated from too, so member names and required members are what Automation's executeAwsApi
// sends. Nothing is fetched: a client that is not installed, or too old to carry schemas, leaves the operation unknown.
import { createRequire } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { SdkCatalog, type SdkClientPackage } from './sdk-catalog';

export type ShapeKind = 'structure' | 'list' | 'map' | 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document' | 'unknown';

/** A shape of the model, its members read lazily (models are recursive). */
export interface Shape {
  kind: ShapeKind;
  /** Shape name, e.g. ModifyDBInstanceMessage. */
  name?: string;
  /** Member names in model order (structures and unions). */
  memberNames(): string[];
  member(name: string): Shape | undefined;
  /** Required member names (structures). */
  required(): string[];
  /** Element shape of a list, value shape of a map. */
  element(): Shape | undefined;
}

export interface OperationModel {
  client: SdkClientPackage;
  operation: string;
  input: Shape;
  output: Shape;
}

interface SchemaNode {
  isStructSchema(): boolean;
  isUnionSchema(): boolean;
  isListSchema(): boolean;
  isMapSchema(): boolean;
  isStringSchema(): boolean;
  isNumericSchema(): boolean;
  isBigIntegerSchema(): boolean;
  isBigDecimalSchema(): boolean;
  isBooleanSchema(): boolean;
  isTimestampSchema(): boolean;
  isBlobSchema(): boolean;
  isDocumentSchema(): boolean;
  getName(): string | undefined;
  getSchema(): unknown;
  getMemberSchemas(): Record<string, SchemaNode>;
  getValueSchema(): SchemaNode;
}

interface NormalizedSchemaClass {
  of(ref: unknown): SchemaNode;
}

function kindOf(node: SchemaNode): ShapeKind {
  if (node.isStructSchema() || node.isUnionSchema()) return 'structure';
  if (node.isListSchema()) return 'list';
  if (node.isMapSchema()) return 'map';
  if (node.isStringSchema()) return 'string';
  if (node.isNumericSchema() || node.isBigIntegerSchema() || node.isBigDecimalSchema()) return 'number';
  if (node.isBooleanSchema()) return 'boolean';
  if (node.isTimestampSchema()) return 'timestamp';
  if (node.isBlobSchema()) return 'blob';
  if (node.isDocumentSchema()) return 'document';
  return 'unknown';
}

function shapeOf(node: SchemaNode): Shape {
  const kind = kindOf(node);
  let members: Record<string, SchemaNode> | undefined;
  const allMembers = (): Record<string, SchemaNode> => (members ??= kind === 'structure' ? node.getMemberSchemas() : {});
  const shape: Shape = {
    kind,
    memberNames: () => Object.keys(allMembers()),
    member: (name) => {
      const found = Object.prototype.hasOwnProperty.call(allMembers(), name) ? allMembers()[name] : undefined;
      return found ? shapeOf(found) : undefined;
    },
    required: () => {
      if (kind !== 'structure' || node.isUnionSchema()) return [];
      const raw = node.getSchema();
      const count = Array.isArray(raw) && typeof raw[6] === 'number' ? raw[6] : 0;
      const names = Array.isArray(raw) && Array.isArray(raw[4]) ? (raw[4] as unknown[]).filter((n): n is string => typeof n === 'string') : [];
      return names.slice(0, count);
    },
    element: () => (kind === 'list' || kind === 'map' ? shapeOf(node.getValueSchema()) : undefined),
  };
  const name = node.getName();
  if (name !== undefined) shape.name = name;
  return shape;
}

interface LoadedClient {
  exports: Record<string, unknown>;
  NormalizedSchema: NormalizedSchemaClass;
}

/** The node_modules directories Node searches from this module (the linter's own installation). */
function linterNodeModules(): string[] {
  return (require.resolve.paths('@aws-sdk/client-sts') ?? []).map((d) => resolve(d));
}

/** `directory` is <one of the linter's node_modules>/@aws-sdk/<name>, and `entry` lies inside it. */
export function isLinterOwnPackage(directory: string, entry: string, searched: readonly string[] = linterNodeModules()): boolean {
  const modules = resolve(dirname(dirname(directory)));
  const inside = relative(resolve(directory), resolve(entry));
  return searched.map((d) => resolve(d)).includes(modules) && inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

export class SdkModels {
  private readonly loaded = new Map<string, LoadedClient | undefined>();

  constructor(private readonly catalog: SdkCatalog) {}

  /** The client's module and its @smithy/core schema walker, loaded once; undefined when it has no schemas. */
  private load(client: SdkClientPackage): LoadedClient | undefined {
    if (this.loaded.has(client.packageName)) return this.loaded.get(client.packageName);
    let result: LoadedClient | undefined;
    try {
      // Loading a package runs its code, and which package is loaded is the document's choice (its Service): only a
      // client Node resolves from the linter itself, whose entry stays inside the package. The catalog also lists
      // packages under the working directory's node_modules (names read, nothing run): those are never required.
      const entry = SdkCatalog.entryPoint(client);
      if (!isLinterOwnPackage(client.directory, entry)) throw new Error(`${client.packageName} is not resolved from the linter`);
      const requireFromClient = createRequire(entry);
      const exports = requireFromClient(entry) as Record<string, unknown>;
      const schema = requireFromClient('@smithy/core/schema') as { NormalizedSchema?: NormalizedSchemaClass };
      if (schema.NormalizedSchema) result = { exports, NormalizedSchema: schema.NormalizedSchema };
    } catch {
      result = undefined;
    }
    this.loaded.set(client.packageName, result);
    return result;
  }

  /** The model of `service`'s operation `operation` (exact name), or undefined when it cannot be read. */
  operation(service: string, operation: string): OperationModel | undefined {
    const client = this.catalog.clientFor(service);
    if (!client) return undefined;
    const loaded = this.load(client);
    const schema = loaded?.exports[`${operation}$`];
    if (!loaded || !Array.isArray(schema) || schema[0] !== 9) return undefined;
    try {
      const input = shapeOf(loaded.NormalizedSchema.of(schema[4]));
      const output = shapeOf(loaded.NormalizedSchema.of(schema[5]));
      return { client, operation, input, output };
    } catch {
      return undefined;
    }
  }
}

const shared = new Map<SdkCatalog, SdkModels>();
export function sdkModels(catalog: SdkCatalog): SdkModels {
  let models = shared.get(catalog);
  if (!models) {
    models = new SdkModels(catalog);
    shared.set(catalog, models);
  }
  return models;
}
