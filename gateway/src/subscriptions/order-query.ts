import {
  buildASTSchema,
  execute,
  printSchema,
  isAbstractType,
  Kind,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** The status part of an OrderStatusEvent (everything but `order`). */
export interface StatusChange {
  version: number;
  status: string;
  previousStatus: string | null;
  reason: string | null;
  at: string;
}

/** What the resolver knows about the subscriber's operation (a subset of GraphQLResolveInfo). */
export interface SubscriberSelection {
  schema: GraphQLSchema;
  /** The root subscription field's nodes (several when the same response key is selected twice). */
  fieldNodes: readonly FieldNode[];
  fragments: Record<string, FragmentDefinitionNode>;
  operation: OperationDefinitionNode;
  /** The operation's coerced variable values. */
  variableValues: Record<string, unknown>;
}

/** The gateway query behind one subscription, built once at subscribe time. */
export interface OrderQuery {
  /** `order(id)` with the subscriber's selections only; null when nothing under `order` is selected. */
  selection: string | null;
  /** The same plus the order's state (version, owner, history) under `stateAlias`. */
  withState: string;
  stateAlias: string;
  /** Variables for either query: the subscriber's (those used) and the order id (or, by token, the order token). */
  variables(orderIdOrToken: string): Record<string, unknown>;
}

/** The order's state as `withState` returns it under `stateAlias`. */
export interface OrderState {
  id: string;
  version: number;
  customer: { id: string };
  history: { status: string; reason: string | null; at: string }[];
}

const STATE_SELECTION = (parse('{ id version customer { id } history { status reason at } }').definitions[0] as OperationDefinitionNode).selectionSet;

/**
 * Turns the subscriber's selection on `OrderStatusEvent` into a query on the supergraph:
 * every `order { … }` (with its alias, directives, the fragments it spreads and the variables it
 * uses) becomes `<alias>: order(id: $id) { … }`; fragments on OrderStatusEvent are inlined with
 * their directives; its other fields (status, version…) come from the event and are dropped.
 */
export function buildOrderQuery(subscriber: SubscriberSelection, options: { byToken?: boolean } = {}): OrderQuery {
  const { fragments, operation } = subscriber;
  const userVariables = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  // A guest's subscription (orderToken) reads the order as `orderByToken(token:)`, under the same response keys.
  const byToken = options.byToken === true;
  const idVariable = unusedName(byToken ? 'orderToken' : 'orderId', userVariables);
  const idArgument = {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: byToken ? 'token' : 'id' },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
  } as const;
  const orderField = { kind: Kind.NAME, value: byToken ? 'orderByToken' : 'order' } as const;

  const responseKeys = new Set<string>();
  const transform = (set: SelectionSetNode | undefined): SelectionNode[] => {
    const out: SelectionNode[] = [];
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== 'order') continue;
        responseKeys.add(selection.alias?.value ?? 'order');
        out.push({ ...selection, ...(byToken ? { alias: selection.alias ?? { kind: Kind.NAME, value: 'order' }, name: orderField } : {}), arguments: [idArgument] });
      } else {
        const inner = transform(
          selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments[selection.name.value]?.selectionSet,
        );
        if (inner.length === 0) continue;
        out.push({
          kind: Kind.INLINE_FRAGMENT,
          directives: selection.directives,
          selectionSet: { kind: Kind.SELECTION_SET, selections: inner },
        });
      }
    }
    return out;
  };
  const selections = subscriber.fieldNodes.flatMap((node) => transform(node.selectionSet));
  const stateAlias = unusedName('orderState', responseKeys);

  const build = (extra: SelectionNode[]): DocumentNode => {
    const rootSelections = [...selections, ...extra];
    const usedFragments = collectFragments(rootSelections, fragments);
    const body = [...rootSelections, ...usedFragments.map((f) => f.selectionSet)];
    const usedVariables = new Set<string>();
    for (const node of body) {
      visit(node, { Variable: (v) => void usedVariables.add(v.name.value) });
    }
    const definitions = (operation.variableDefinitions ?? []).filter((v) => usedVariables.has(v.variable.name.value));
    const query: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: 'query' as OperationDefinitionNode['operation'],
      name: { kind: Kind.NAME, value: 'OrderSubscriptionSelection' },
      variableDefinitions: [
        {
          kind: Kind.VARIABLE_DEFINITION,
          variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
          type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: byToken ? 'String' : 'ID' } } },
        },
        ...definitions,
      ],
      selectionSet: { kind: Kind.SELECTION_SET, selections: rootSelections },
    };
    return withTypenames(subscriber.schema, { kind: Kind.DOCUMENT, definitions: [query, ...usedFragments] });
  };

  const stateField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: stateAlias },
    name: orderField,
    arguments: [idArgument],
    selectionSet: STATE_SELECTION,
  };
  const usedByQuery = new Set<string>();
  const withStateDocument = build([stateField]);
  visit(withStateDocument, { Variable: (v) => void usedByQuery.add(v.name.value) });

  return {
    selection: selections.length > 0 ? print(build([])) : null,
    withState: print(withStateDocument),
    stateAlias,
    variables(orderIdOrToken) {
      const values: Record<string, unknown> = { [idVariable]: orderIdOrToken };
      for (const [name, value] of Object.entries(subscriber.variableValues)) {
        if (usedByQuery.has(name) && name !== idVariable) values[name] = value;
      }
      return values;
    },
  };
}

/** The fragments (transitively) spread by `selections`, in a stable order. */
function collectFragments(selections: readonly SelectionNode[], fragments: Record<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionNode | SelectionSetNode) => {
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments[name];
        if (!fragment || found.has(name)) return;
        found.set(name, fragment);
        walk(fragment.selectionSet);
      },
    });
  };
  for (const selection of selections) walk(selection);
  return [...found.values()];
}

/** Adds `__typename` under abstract types, so the projection can tell which object type came back. */
function withTypenames(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !isAbstractType(parent)) return undefined;
        if (node.selections.some((s) => s.kind === Kind.FIELD && !s.alias && s.name.value === '__typename')) return undefined;
        return { ...node, selections: [...node.selections, { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }] };
      },
    }),
  );
}

function unusedName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i += 1) name = `${base}${i}`;
  return name;
}

/** One OrderStatusEvent to render: the status change and the `order(id)` query's answer. */
export interface EventSource {
  change: StatusChange;
  /** The query's data, keyed by the subscriber's `order` aliases. */
  orders: Record<string, unknown> | null;
  /** The query's errors (already masked), their paths starting at an `order` alias. */
  errors?: readonly GraphQLFormattedError[];
}

const projectField: GraphQLFieldResolver<any, unknown> = (source, _args, _context, info) => {
  if (source === null || source === undefined) return null;
  if (info.parentType === info.schema.getSubscriptionType()) return source;
  if (info.parentType.name === 'OrderStatusEvent') {
    const event = source as EventSource;
    if (info.fieldName === 'order') return event.orders?.[info.path.key as string] ?? null;
    return (event.change as unknown as Record<string, unknown>)[info.fieldName] ?? null;
  }
  // Below `order`, the query's answer is already keyed by the subscriber's response keys.
  return (source as Record<string, unknown>)[info.path.key as string];
};

const resolverFreeSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();

/**
 * A copy of `schema` without resolvers. Apollo Server wraps every field resolver of the gateway's
 * API schema in place (plugin instrumentation), which would bypass our `fieldResolver`.
 */
function resolverFree(schema: GraphQLSchema): GraphQLSchema {
  let copy = resolverFreeSchemas.get(schema);
  if (!copy) {
    copy = buildASTSchema(parse(printSchema(schema)), { assumeValidSDL: true });
    resolverFreeSchemas.set(schema, copy);
  }
  return copy;
}

/**
 * Renders one event in the shape of the subscriber's operation: executes the subscription
 * document over the event and the query's answer (no resolvers run, nothing is fetched), then
 * appends the query's errors under the subscription field's response key.
 */
export async function projectEvent(subscriber: SubscriberSelection & { responseKey: string }, event: EventSource): Promise<ExecutionResult> {
  const result = await execute({
    schema: resolverFree(subscriber.schema),
    document: { kind: Kind.DOCUMENT, definitions: [subscriber.operation, ...Object.values(subscriber.fragments)] },
    operationName: subscriber.operation.name?.value,
    variableValues: subscriber.variableValues,
    rootValue: event,
    fieldResolver: projectField,
  });
  if (!event.errors?.length) return result;
  const upstream = event.errors.map((e) => ({ ...e, path: e.path ? [subscriber.responseKey, ...e.path] : [subscriber.responseKey] }));
  // A field the query could not resolve (say, a subgraph was down) is null with the query's error
  // at or below it; the projection's own "cannot return null" for that spot would only repeat it.
  const explained = (path: readonly (string | number)[] | undefined) =>
    path !== undefined && upstream.some((e) => path.length <= e.path.length && path.every((key, i) => e.path[i] === key));
  const own = (result.errors ?? []).filter((e) => !explained(e.path));
  return { ...result, errors: [...own, ...upstream] as ExecutionResult['errors'] };
}
