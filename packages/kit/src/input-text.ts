import {
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLScalarType,
  Kind,
  TypeInfo,
  getNamedType,
  getNullableType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

// C0 controls, DEL and C1 controls, and UTF-16 halves without their partner (not valid Unicode:
// PostgreSQL refuses them, MongoDB stores mojibake).
const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const SINGLE_LINE = new RegExp(`[\\u0000-\\u001F\\u007F-\\u009F]|${LONE_SURROGATE}`);
// Multi-line text keeps line feed, carriage return and tab.
const MULTI_LINE = new RegExp(`[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]|${LONE_SURROGATE}`);

/** True when `value` holds a character no text input may carry (multi-line text may hold \n, \r and \t). */
export function hasForbiddenCharacters(value: string, multiline = false): boolean {
  return (multiline ? MULTI_LINE : SINGLE_LINE).test(value);
}

/** Where a string came from, for the error's `field`: the argument, then input fields and list indexes. */
type Path = Array<string | number>;

function invalidText(path: Path): GraphQLError {
  return new GraphQLError(`${path.join('.')} must not contain control characters or invalid Unicode`, {
    // 200: the gateway keeps a subgraph's error code only from a 200 answer.
    extensions: { code: 'INVALID_INPUT', field: path.map(String), http: { status: 200 } },
  });
}

const isText = (type: GraphQLInputType) => {
  const named = getNamedType(type);
  return named instanceof GraphQLScalarType && (named.name === 'String' || named.name === 'ID');
};

/**
 * Finds the first string in an operation's input — argument literals and variable values alike,
 * walked along their input types — that carries a control character, and returns the error for
 * it (null when there is none). `multiline` lists the coordinates whose text may span lines
 * ("Type.field" for an input field, "Type.field(arg:)" for an argument).
 */
export function findForbiddenText(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  multiline: ReadonlySet<string> = new Set(),
): GraphQLError | null {
  let found: GraphQLError | null = null;

  const checkJson = (value: unknown, type: GraphQLInputType, lines: boolean, path: Path): void => {
    if (found || value === null || value === undefined) return;
    const nullable = getNullableType(type) as GraphQLInputType;
    if (nullable instanceof GraphQLList) {
      const item = nullable.ofType as GraphQLInputType;
      if (Array.isArray(value)) value.forEach((element, i) => checkJson(element, item, lines, [...path, i]));
      else checkJson(value, item, lines, path);
    } else if (nullable instanceof GraphQLInputObjectType) {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const fields = nullable.getFields();
      for (const [key, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        const field = fields[key];
        if (field) checkJson(fieldValue, field.type, multiline.has(`${nullable.name}.${key}`), [...path, key]);
      }
    } else if (typeof value === 'string' && isText(nullable) && hasForbiddenCharacters(value, lines)) {
      found = invalidText(path);
    }
  };

  const checkNode = (node: ValueNode, type: GraphQLInputType, lines: boolean, path: Path): void => {
    if (found) return;
    const nullable = getNullableType(type) as GraphQLInputType;
    switch (node.kind) {
      case Kind.VARIABLE:
        checkJson(variables?.[node.name.value], type, lines, path);
        return;
      case Kind.STRING:
        if (isText(nullable) && hasForbiddenCharacters(node.value, lines)) found = invalidText(path);
        return;
      case Kind.LIST: {
        const item = (nullable instanceof GraphQLList ? nullable.ofType : nullable) as GraphQLInputType;
        node.values.forEach((element, i) => checkNode(element, item, lines, [...path, i]));
        return;
      }
      case Kind.OBJECT: {
        if (!(nullable instanceof GraphQLInputObjectType)) return;
        const fields = nullable.getFields();
        for (const field of node.fields) {
          const definition = fields[field.name.value];
          if (definition) {
            checkNode(field.value, definition.type, multiline.has(`${nullable.name}.${field.name.value}`), [...path, field.name.value]);
          }
        }
        return;
      }
      default:
        return;
    }
  };

  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (!argument || found) return false;
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const coordinate = parent && field ? `${parent.name}.${field.name}(${argument.name}:)` : '';
        checkNode(node.value, argument.type, multiline.has(coordinate), [argument.name]);
        return false;
      },
    }),
  );
  return found;
}

/** Every coordinate of `multiline` that names no input field or argument of the schema. */
export function unknownCoordinates(schema: GraphQLSchema, multiline: Iterable<string>): string[] {
  return [...multiline].filter((coordinate) => {
    const argument = /^(\w+)\.(\w+)\((\w+):\)$/.exec(coordinate);
    if (argument) {
      const type = schema.getType(argument[1]);
      const fields = type && 'getFields' in type ? (type.getFields() as Record<string, { args?: { name: string }[] }>) : {};
      return !fields[argument[2]]?.args?.some((a) => a.name === argument[3]);
    }
    const [typeName, fieldName] = coordinate.split('.');
    const type = schema.getType(typeName ?? '');
    return !(type instanceof GraphQLInputObjectType && fieldName && type.getFields()[fieldName]);
  });
}

/**
 * Apollo plugin refusing, before any resolver runs, every operation whose string input (String
 * or ID, in literals and variables) holds a control character (C0, DEL, C1) or a lone surrogate,
 * with one INVALID_INPUT error naming the field. Text at the `multiline` coordinates may hold
 * line breaks and tabs.
 */
export function inputTextPlugin(schema: GraphQLSchema, multiline: Iterable<string> = []): ApolloServerPlugin {
  const unknown = unknownCoordinates(schema, multiline);
  if (unknown.length > 0) throw new Error(`multi-line input coordinates not in the schema: ${unknown.join(', ')}`);
  const allowed = new Set(multiline);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const error = findForbiddenText(schema, document, request.variables, allowed);
          if (error) throw error;
        },
      };
    },
  };
}
