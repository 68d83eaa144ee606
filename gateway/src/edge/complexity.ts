import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  Kind,
  Lexer,
  SchemaMetaFieldDef,
  Source,
  TokenKind,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Limits every client operation is held to before it is validated or planned. Each one is a
 * figure measured on the operation with its fragments expanded (a fragment spread twice counts
 * twice), so fragments can neither hide nor multiply work.
 */
export interface ComplexityLimits {
  /** Deepest field nesting (a root field is depth 1). */
  maxDepth: number;
  /** Aliased fields. */
  maxAliases: number;
  /** Fields selected on the root type (aliases included: 20 aliased `login`s are 20). */
  maxRootFields: number;
  /** Lexical tokens of the document (graphql `parse` stops at this many). */
  maxTokens: number;
  /** Directive uses. */
  maxDirectives: number;
  /** Estimated cost (see `CostModel`). */
  maxCost: number;
}

/**
 * The cost model (Apollo `@cost`/`@listSize` semantics, configured rather than annotated):
 * a field returning an object costs `objectCost` plus its selection, a leaf costs nothing; a
 * field with a slicing argument (`first`/`last`) costs its value (or the argument's default,
 * or `maxListSize` when unknown) times its selection, and the list fields directly under it
 * (`edges`, `nodes`) are sized by it; any other list of objects counts `assumedListSize`
 * items. Each root mutation field adds `mutationCost`.
 */
export interface CostModel {
  objectCost: number;
  mutationCost: number;
  slicingArguments: readonly string[];
  /** Size assumed for a sliced list whose size is not known (a variable without value). */
  maxListSize: number;
  /** Size assumed for a list without a slicing argument. */
  assumedListSize: number;
}

export const defaultCostModel: CostModel = {
  objectCost: 1,
  mutationCost: 10,
  slicingArguments: ['first', 'last'],
  maxListSize: 100,
  assumedListSize: 10,
};

export type ComplexityMeasure = keyof ComplexityLimits;

export interface OperationComplexity {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  cost: number;
  /** Root field names with their multiplicity (after fragment expansion). */
  rootFieldCounts: Map<string, number>;
  operation: 'query' | 'mutation' | 'subscription';
}

const isIntrospection = (node: FieldNode) => node.name.value === '__schema' || node.name.value === '__type';

/** Figures above this are reported as this (2^k fragment attacks reach Infinity). */
const REPORT_CAP = Number.MAX_SAFE_INTEGER;
const clamp = (n: number) => (Number.isFinite(n) ? Math.min(n, REPORT_CAP) : REPORT_CAP);

/** One refusal: which limit, the measured figure and the allowed one. */
export class QueryTooComplexError extends GraphQLError {
  constructor(
    readonly measure: ComplexityMeasure,
    readonly measured: number,
    readonly allowed: number,
  ) {
    super(`Operation refused: its ${describe[measure]} (${clamp(measured)}) exceeds the limit of ${allowed}`, {
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: measure, measured: clamp(measured), allowed, http: { status: 400 } },
    });
  }
}

const describe: Record<ComplexityMeasure, string> = {
  maxDepth: 'depth',
  maxAliases: 'alias count',
  maxRootFields: 'root field count',
  maxTokens: 'token count',
  maxDirectives: 'directive count',
  maxCost: 'estimated cost',
};

/** Tokens of a document as graphql `parse` counts them (comments and EOF excluded); stops counting past `cap`. */
export function countTokens(source: string, cap = Infinity): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > cap) break;
    }
  } catch {
    // A lexical error ends the count; parse reports it.
  }
  return count;
}

/**
 * Parses with the token limit; a document over it becomes a QueryTooComplexError (with the
 * measured count), any other syntax error is rethrown as graphql's own.
 */
export function parseWithinLimits(source: string, limits: Pick<ComplexityLimits, 'maxTokens'>, parse: (s: string, o: { maxTokens: number }) => DocumentNode): DocumentNode {
  try {
    return parse(source, { maxTokens: limits.maxTokens });
  } catch (error) {
    throw tokenLimitError(error, source, limits.maxTokens) ?? error;
  }
}

/** The QueryTooComplexError for a parse error raised by `maxTokens`, or null for any other error. */
export function tokenLimitError(error: unknown, source: string | undefined, maxTokens: number): QueryTooComplexError | null {
  if (!(error instanceof GraphQLError) || !/Document contains more th(?:an|at) \d+ tokens/.test(error.message)) return null;
  // Counting is linear and the body size is bounded by the JSON limit; cap it anyway.
  return new QueryTooComplexError('maxTokens', source ? countTokens(source, maxTokens * 100) : maxTokens + 1, maxTokens);
}

interface SetSummary {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
}

const ZERO: SetSummary = { depth: 0, aliases: 0, directives: 0, cost: 0 };

/**
 * Measures every operation of a parsed (not yet validated) document. Each fragment is measured
 * once per request and reused at every spread, so the work is linear in the document's size
 * whatever its spreads multiply; cycles and unknown fragments count as empty (validation
 * refuses them afterwards).
 */
export function measureDocument(
  document: DocumentNode,
  schema: GraphQLSchema | null,
  variables: Record<string, unknown> | null | undefined,
  model: CostModel = defaultCostModel,
): OperationComplexity[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const results: OperationComplexity[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) results.push(measureOperation(def, fragments, schema, variables ?? {}, model));
  }
  return results;
}

function measureOperation(
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  schema: GraphQLSchema | null,
  variables: Record<string, unknown>,
  model: CostModel,
): OperationComplexity {
  const memo = new Map<string, SetSummary>();
  const inProgress = new Set<string>();
  const rootMemo = new Map<string, Map<string, number>>();
  const variableDefaults = new Map<string, unknown>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, valueFromASTUntyped(v.defaultValue));
  }
  const rootType =
    (operation.operation === 'query' ? schema?.getQueryType() : operation.operation === 'mutation' ? schema?.getMutationType() : schema?.getSubscriptionType()) ?? null;

  const typeNamed = (name: string | undefined, fallback: GraphQLCompositeType | null): GraphQLCompositeType | null => {
    if (!name || !schema) return fallback;
    const type = schema.getType(name);
    return type && isCompositeType(type) ? type : null;
  };

  const fieldDef = (parent: GraphQLCompositeType | null, node: FieldNode): GraphQLField<unknown, unknown> | null => {
    if (!parent || !schema) return null;
    const name = node.name.value;
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (parent === schema.getQueryType()) {
      if (name === '__schema') return SchemaMetaFieldDef;
      if (name === '__type') return TypeMetaFieldDef;
    }
    if ('getFields' in parent) return parent.getFields()[name] ?? null;
    return null;
  };

  const sliceSize = (node: FieldNode, def: GraphQLField<unknown, unknown> | null): number | null => {
    for (const argName of model.slicingArguments) {
      const arg = node.arguments?.find((a) => a.name.value === argName);
      let value: unknown;
      if (arg) {
        if (arg.value.kind === Kind.VARIABLE) {
          const name = arg.value.name.value;
          value = name in variables ? variables[name] : variableDefaults.get(name);
          if (value === undefined || value === null) value = def?.args.find((a) => a.name === argName)?.defaultValue ?? model.maxListSize;
        } else {
          value = valueFromASTUntyped(arg.value);
        }
      } else {
        const declared = def?.args.find((a) => a.name === argName);
        if (!declared) continue;
        value = declared.defaultValue ?? model.maxListSize;
      }
      const n = typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : model.maxListSize;
      return n;
    }
    return null;
  };

  /** `listSize`: the size a sliced field above sets for the lists directly in this selection (a connection's edges), else null. */
  const summarise = (set: SelectionSetNode, parent: GraphQLCompositeType | null, listSize: number | null): SetSummary => {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    let cost = 0;
    for (const selection of set.selections) {
      directives += selection.directives?.length ?? 0;
      let inner: SetSummary;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases += 1;
        const def = fieldDef(parent, selection);
        if (!selection.selectionSet) {
          inner = { ...ZERO, depth: 1 };
        } else if (isIntrospection(selection)) {
          // Introspection (development only) is bounded by the schema; not held to depth or cost.
          const sub = summarise(selection.selectionSet, null, null);
          inner = { depth: 0, aliases: sub.aliases, directives: sub.directives, cost: 0 };
        } else {
          const returnType = def ? getNullableType(def.type) : null;
          const named = def ? getNamedType(def.type) : null;
          const child = named && isCompositeType(named) ? named : null;
          const slice = def ? sliceSize(selection, def) : null;
          // A list of objects: sized by its own slicing argument, by the sliced field above it
          // (a connection sizes its edges/nodes), or assumed. A sliced field that is not a list
          // (a connection) costs one object and sizes the lists directly under it.
          const isList = Boolean(returnType && isListType(returnType));
          const multiplier = isList ? (slice ?? listSize ?? model.assumedListSize) : 1;
          const sub = summarise(selection.selectionSet, child, isList ? null : slice);
          // Aliases and directives count as written (per spread), not per list item; cost per item.
          inner = { depth: sub.depth + 1, aliases: sub.aliases, directives: sub.directives, cost: multiplier * (model.objectCost + sub.cost) };
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = summarise(selection.selectionSet, typeNamed(selection.typeCondition?.name.value, parent), listSize);
      } else {
        inner = fragment(selection.name.value, listSize);
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
      directives += inner.directives;
      cost += inner.cost;
    }
    return { depth, aliases, directives, cost };
  };

  const fragment = (name: string, listSize: number | null): SetSummary => {
    const key = `${name}:${listSize}`;
    const known = memo.get(key);
    if (known) return known;
    const def = fragments.get(name);
    if (!def || inProgress.has(name)) return ZERO;
    inProgress.add(name);
    const summary = summarise(def.selectionSet, typeNamed(def.typeCondition.name.value, null), listSize);
    summary.directives += def.directives?.length ?? 0;
    inProgress.delete(name);
    memo.set(key, summary);
    return summary;
  };

  const rootFieldCounts = (set: SelectionSetNode): Map<string, number> => {
    const counts = new Map<string, number>();
    const add = (from: Map<string, number>) => {
      for (const [k, v] of from) counts.set(k, (counts.get(k) ?? 0) + v);
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) counts.set(selection.name.value, (counts.get(selection.name.value) ?? 0) + 1);
      else if (selection.kind === Kind.INLINE_FRAGMENT) add(rootFieldCounts(selection.selectionSet));
      else {
        const name = selection.name.value;
        let known = rootMemo.get(name);
        if (!known) {
          const def = fragments.get(name);
          if (!def || inProgress.has(name)) continue;
          inProgress.add(name);
          known = rootFieldCounts(def.selectionSet);
          inProgress.delete(name);
          rootMemo.set(name, known);
        }
        add(known);
      }
    }
    return counts;
  };

  const summary = summarise(operation.selectionSet, rootType, null);
  const roots = rootFieldCounts(operation.selectionSet);
  let rootFields = 0;
  for (const n of roots.values()) rootFields += n;
  const directives = summary.directives + (operation.directives?.length ?? 0);
  const cost = summary.cost + (operation.operation === 'mutation' ? rootFields * model.mutationCost : 0);
  return { depth: summary.depth, aliases: summary.aliases, rootFields, directives, cost, rootFieldCounts: roots, operation: operation.operation };
}

/** The first limit an operation exceeds, as the error to return, or null when it is within all of them. */
export function checkLimits(measured: OperationComplexity, limits: ComplexityLimits): QueryTooComplexError | null {
  const checks: [ComplexityMeasure, number][] = [
    ['maxDepth', measured.depth],
    ['maxAliases', measured.aliases],
    ['maxRootFields', measured.rootFields],
    ['maxDirectives', measured.directives],
    ['maxCost', measured.cost],
  ];
  for (const [measure, value] of checks) {
    if (value > limits[measure]) return new QueryTooComplexError(measure, value, limits[measure]);
  }
  return null;
}

/** Measures a parsed document and throws the first exceeded limit of any of its operations. */
export function assertWithinLimits(
  document: DocumentNode,
  schema: GraphQLSchema | null,
  variables: Record<string, unknown> | null | undefined,
  limits: ComplexityLimits,
  model?: CostModel,
): OperationComplexity[] {
  const measured = measureDocument(document, schema, variables, model);
  for (const m of measured) {
    const error = checkLimits(m, limits);
    if (error) throw error;
  }
  return measured;
}
