import 'reflect-metadata';
import { execute, parse } from 'graphql';
import { Directive, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { buildFederatedSchema, printFederatedSdl } from './federation';
import { money, Money } from './graphql/common.types';

@ObjectType({ description: 'A thing with a key' })
@Directive('@key(fields: "id")')
class Widget {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Money)
  price!: Money;
}

@Resolver(() => Widget)
class WidgetResolver {
  @Query(() => Widget, { nullable: true })
  widget(): Widget {
    return Object.assign(new Widget(), { id: 'w1', createdAt: new Date('2026-01-02T03:04:05Z'), price: money(29999) });
  }
}

describe('buildFederatedSchema', () => {
  it('prints an SDL that links federation 2 and keeps @key and @shareable', async () => {
    const schema = await buildFederatedSchema({ resolvers: [WidgetResolver], orphanedTypes: [Widget] });
    const sdl = printFederatedSdl(schema);
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7"');
    expect(sdl).toMatch(/type Widget\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Money\s+@shareable/);
    expect(sdl).toContain('scalar DateTime');
  });

  it('resolves entities through the reference resolver given to it', async () => {
    const seen: string[] = [];
    const schema = await buildFederatedSchema(
      { resolvers: [WidgetResolver], orphanedTypes: [Widget] },
      {
        Widget: {
          __resolveReference: (ref: { id: string }) => {
            seen.push(ref.id);
            return { id: ref.id, createdAt: new Date(0), price: money(150, 'EUR') };
          },
        },
      },
    );
    const result = await execute({
      schema,
      document: parse('query($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id createdAt price { formatted } } } }'),
      variableValues: { r: [{ __typename: 'Widget', id: 'abc' }] },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([{ id: 'abc', createdAt: '1970-01-01T00:00:00.000Z', price: { formatted: '€1.50' } }]);
    expect(seen).toEqual(['abc']);
  });
});
