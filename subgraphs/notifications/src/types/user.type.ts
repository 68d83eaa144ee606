import { Directive, Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A shopper or shop administrator. Owned by the users subgraph; other subgraphs extend it.' })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}

/** An entity reference the gateway completes from the users subgraph. */
export const userRef = (id: string): User => Object.assign(new User(), { id });
