import { Directive, Field, ID, ObjectType } from 'type-graphql';

// Descriptions match the orders subgraph's (the owner), so composition reports no inconsistency.
@ObjectType({ description: 'An order placed by a customer. Its status moves on as stock is reserved and payment is taken.' })
@Directive('@key(fields: "id")')
export class Order {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}
