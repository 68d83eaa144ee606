import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildASTSchema,
  extendSchema,
  findBreakingChanges,
  findDangerousChanges,
  Kind,
  parse,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type GraphQLEnumType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
} from 'graphql';
import { composeServices } from '@apollo/composition';
import { readSupergraphConfig } from './compose';

const root = path.resolve(__dirname, '../..');
// schema/api-contract.graphql is the client contract of the design documents, kept in the repo so
// that this check runs wherever the repo does.
const contractFile = path.join(root, 'schema/api-contract.graphql');

/**
 * The next public API (../shared/api-next, copied to schema/api-next) as far as it has been built.
 * A whole file once its issue has landed; until then only the parts that have: `Type` (a type or
 * extension of that name) or `Type.member` (one field or enum value of an extension). The composed
 * API is checked against the base contract plus all of this.
 */
const landed: { file: string; only?: string[] }[] = [
  // issue 19: timeouts cancel an order TIMED_OUT. Issue 15: shipments (shipping subgraph), the
  // order status they drive, and returns (orders; restock and refund by commands).
  { file: 'fulfilment.graphql' },
  // issue 14: checkout — guest carts and guest orders, shipping methods (shipping subgraph),
  // checkout preview, promotions, tax and the order's price breakdown (orders): all of it.
  { file: 'checkout.graphql' },
  // issue 12: password reset and change, email verification (users); notification history,
  // preferences and resend (notifications).
  { file: 'accounts-notifications.graphql' },
  // issue 16: sales analytics for admins (analytics subgraph).
  { file: 'analytics.graphql' },
  // issue 13: product variants and options (products, inventory, orders).
  { file: 'variants.graphql' },
];

/**
 * Arguments the next API adds to existing fields, which SDL cannot write as an extension: the file
 * gives the fields' new signatures in comments (`#   field(arg: T, …): R`). `field(arg)` picks one
 * argument of a field of `type`; the composed API must have exactly the base arguments plus these.
 */
const landedArguments: { file: string; type: string; only: string[] }[] = [
  // issue 9: resumable live tracking; issue 14: a guest tracks an order with its orderToken.
  { file: 'live.graphql', type: 'Subscription', only: ['orderStatusChanged(afterVersion)', 'orderStatusChanged(orderToken)', 'myOrderUpdates(since)'] },
];

/** The field signatures written in `text`'s comments, by field name. */
function commentedSignatures(text: string): Map<string, FieldDefinitionNode> {
  const signatures = text
    .split('\n')
    .map((line) => /^#\s+(\w+\(.*\)\s*:\s*[\w![\]]+)/.exec(line)?.[1])
    .filter((s): s is string => Boolean(s));
  const doc = parse(`type Signatures {\n${signatures.join('\n')}\n}`);
  const fields = (doc.definitions[0] as ObjectTypeDefinitionNode).fields ?? [];
  return new Map(fields.map((f) => [f.name.value, f]));
}

/**
 * checkout.graphql gives the cart mutations' new optional `cartId` in prose ("The existing cart
 * mutations gain an optional `cartId` for guests … addToCart(productId, quantity, cartId), …"):
 * the Mutation fields named there whose argument list has cartId, each gaining `cartId: ID`.
 */
function guestCartArguments(text: string): Map<string, InputValueDefinitionNode> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /gain an optional `cartId`/.test(l));
  if (start < 0) throw new Error('checkout.graphql no longer says which cart mutations gain cartId');
  const prose: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.trim().startsWith('#')) break;
    prose.push(line);
  }
  const cartId = (parse('type T { f(cartId: ID): Int }').definitions[0] as ObjectTypeDefinitionNode).fields![0].arguments![0];
  const fields = [...prose.join(' ').matchAll(/(\w+)\(([\w, ]*)\)/g)].filter(([, , args]) => args.split(',').map((a) => a.trim()).includes('cartId')).map(([, name]) => name);
  return new Map(fields.map((name) => [name, cartId]));
}

/** `base` with the selected commented arguments added to its fields; throws when one is not in the file. */
function withLandedArguments(base: DocumentNode): DocumentNode {
  let definitions = [...base.definitions];
  for (const { file, type, only } of landedArguments) {
    const signatures = commentedSignatures(readFileSync(path.join(root, 'schema/api-next', file), 'utf8'));
    for (const entry of only) {
      const [, fieldName, argName] = /^(\w+)\((\w+)\)$/.exec(entry) ?? [];
      const argument = signatures.get(fieldName)?.arguments?.find((a) => a.name.value === argName);
      if (!argument) throw new Error(`${file} has no ${type}.${entry}`);
      definitions = definitions.map((d) =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === type
          ? { ...d, fields: d.fields?.map((f) => (f.name.value === fieldName ? { ...f, arguments: [...(f.arguments ?? []), argument] } : f)) }
          : d,
      );
    }
  }
  // issue 14: the cart mutations' optional cartId (guest carts).
  const cartArgs = guestCartArguments(readFileSync(path.join(root, 'schema/api-next/checkout.graphql'), 'utf8'));
  expect([...cartArgs.keys()].sort()).toEqual(['addToCart', 'clearCart', 'removeFromCart', 'updateCartItem']);
  definitions = definitions.map((d) =>
    d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Mutation'
      ? { ...d, fields: d.fields?.map((f) => (cartArgs.has(f.name.value) ? { ...f, arguments: [...(f.arguments ?? []), cartArgs.get(f.name.value)!] } : f)) }
      : d,
  );
  return { ...base, definitions };
}

type Named = DefinitionNode & { name: { value: string }; fields?: readonly { name: { value: string } }[]; values?: readonly { name: { value: string } }[] };

/** The definitions of `doc` selected by `only`; throws when a selected name is not in the file. */
function selectLanded(doc: DocumentNode, file: string, only?: string[]): DefinitionNode[] {
  if (!only) return [...doc.definitions];
  const picked: DefinitionNode[] = [];
  for (const entry of only) {
    const [type, member] = entry.split('.');
    const defs = doc.definitions.filter((d) => (d as Named).name?.value === type) as Named[];
    if (!member) {
      if (defs.length === 0) throw new Error(`${file} has no ${type}`);
      picked.push(...defs);
      continue;
    }
    const def = defs.find((d) => (d.kind === Kind.ENUM_TYPE_EXTENSION ? d.values : d.fields)?.some((m) => m.name.value === member));
    if (!def) throw new Error(`${file} has no ${entry}`);
    picked.push(
      def.kind === Kind.ENUM_TYPE_EXTENSION
        ? ({ ...def, values: def.values!.filter((v) => v.name.value === member) } as unknown as DefinitionNode)
        : ({ ...def, fields: def.fields!.filter((f) => f.name.value === member) } as unknown as DefinitionNode),
    );
  }
  return picked;
}

/** The base contract extended with what has landed of the next API. */
function landedContract(): GraphQLSchema {
  let schema = buildASTSchema(withLandedArguments(parse(readFileSync(contractFile, 'utf8'))));
  for (const { file, only } of landed) {
    const doc = parse(readFileSync(path.join(root, 'schema/api-next', file), 'utf8'));
    schema = extendSchema(schema, { kind: Kind.DOCUMENT, definitions: selectLanded(doc, file, only) });
  }
  return schema;
}

describe('public API contract', () => {
  it('is what the composed supergraph serves: nothing the clients rely on is missing or changed', () => {
    const services = readSupergraphConfig(path.join(root, 'supergraph.yaml')).map((s) => ({
      name: s.name,
      url: s.routingUrl,
      typeDefs: parse(readFileSync(s.schemaFile, 'utf8')),
    }));
    const composed = composeServices(services);
    expect(composed.errors).toBeUndefined();
    const api = composed.schema!.toAPISchema().toGraphQLJSSchema();
    const contract = landedContract();
    expect(findBreakingChanges(contract, api).map((c) => c.description)).toEqual([]);
    expect(findDangerousChanges(contract, api).map((c) => c.description)).toEqual([]);
  });

  it('keeps its in-repo copy equal to the design documents where they sit beside the repo', () => {
    const shared = path.join(root, '../shared/api-contract.graphql');
    const copy = readFileSync(contractFile, 'utf8');
    expect(copy).toContain('type Query');
    if (existsSync(shared)) expect(copy).toEqual(readFileSync(shared, 'utf8'));
  });

  it('includes what has landed of the next API (schema/api-next), its copies equal to the design documents', () => {
    const contract = landedContract();
    expect((contract.getType('CancellationReason') as GraphQLEnumType).getValues().map((v) => v.name)).toContain('TIMED_OUT');
    expect(Object.keys((contract.getType('ProductVariant') as GraphQLObjectType).getFields())).toEqual(expect.arrayContaining(['sku', 'options', 'price', 'stock', 'inStock']));
    const subscription = contract.getType('Subscription') as GraphQLObjectType;
    const argsOf = (field: string) => subscription.getFields()[field].args.map((a) => `${a.name}: ${String(a.type)}`);
    expect(argsOf('orderStatusChanged')).toEqual(['orderId: ID!', 'afterVersion: Int', 'orderToken: String']);
    expect(argsOf('myOrderUpdates')).toEqual(['since: DateTime']);
    expect(String((contract.getType('User') as GraphQLObjectType).getFields().emailVerified.type)).toBe('Boolean!');
    const mutation = (contract.getType('Mutation') as GraphQLObjectType).getFields();
    expect(mutation.resetPassword.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['token: String!', 'newPassword: String!']);
    expect(String(mutation.resetPassword.type)).toBe('AuthPayload!');
    for (const name of ['requestPasswordReset', 'changePassword', 'requestEmailVerification', 'verifyEmail']) expect(mutation[name]).toBeDefined();
    // Guest carts and orders (checkout.graphql). The cart mutations' optional cartId is written in a
    // comment there ("addToCart(productId, quantity, cartId), …"), so it is checked here.
    const argNames = (field: string) => mutation[field].args.map((a) => `${a.name}: ${String(a.type)}`);
    expect(argNames('addToCart')).toEqual(expect.arrayContaining(['productId: ID!', 'quantity: Int!', 'cartId: ID']));
    expect(argNames('updateCartItem')).toEqual(expect.arrayContaining(['productId: ID!', 'quantity: Int!', 'cartId: ID']));
    expect(argNames('removeFromCart')).toEqual(expect.arrayContaining(['productId: ID!', 'cartId: ID']));
    expect(argNames('clearCart')).toEqual(['cartId: ID']);
    expect(argNames('mergeGuestCart')).toEqual(['cartId: ID!']);
    const cart = (contract.getType('Cart') as GraphQLObjectType).getFields();
    expect([String(cart.id.type), String(cart.promotionCodes.type)]).toEqual(['ID!', '[String!]!']);
    const order = (contract.getType('Order') as GraphQLObjectType).getFields();
    expect([String(order.email.type), String(order.guest.type)]).toEqual(['String!', 'Boolean!']);
    expect(String((contract.getType('OrderPayload') as GraphQLObjectType).getFields().orderToken.type)).toBe('String');
    expect((contract.getType('Query') as GraphQLObjectType).getFields().orderByToken.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['token: String!']);
    // Shipping methods and shipments (shipping subgraph).
    for (const name of ['createShippingMethod', 'updateShippingMethod', 'archiveShippingMethod', 'createShipment', 'updateShipmentStatus']) expect(mutation[name]).toBeDefined();
    expect(String((contract.getType('Order') as GraphQLObjectType).getFields().shipments.type)).toBe('[Shipment!]');
    expect((contract.getType('Query') as GraphQLObjectType).getFields().shippingMethods.args.map((a) => `${a.name}: ${String(a.type)} = ${String(a.defaultValue)}`)).toEqual([
      'includeInactive: Boolean = false',
    ]);
    // Sales analytics (analytics subgraph).
    const analyticsQuery = (contract.getType('Query') as GraphQLObjectType).getFields();
    expect(analyticsQuery.salesReport.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['from: DateTime!', 'to: DateTime!', 'interval: ReportInterval!']);
    expect(String(analyticsQuery.topProducts.type)).toBe('[ProductSales!]!');
    expect(String((contract.getType('ProductSales') as GraphQLObjectType).getFields().product.type)).toBe('Product!');
    for (const name of ['checkoutFunnel', 'cancellations']) expect(analyticsQuery[name]).toBeDefined();
    for (const { file } of [...landed, ...landedArguments]) {
      const shared = path.join(root, '../shared/api-next', file);
      if (existsSync(shared)) expect(readFileSync(path.join(root, 'schema/api-next', file), 'utf8')).toEqual(readFileSync(shared, 'utf8'));
    }
    // A selection naming something the file does not have is an error, not a silent no-op.
    expect(() => selectLanded(parse('extend enum CancellationReason { TIMED_OUT }'), 'x.graphql', ['CancellationReason.NOPE'])).toThrow('x.graphql has no CancellationReason.NOPE');
  });
});
