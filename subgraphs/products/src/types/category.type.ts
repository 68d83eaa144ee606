import { Directive, Field, ID, ObjectType } from 'type-graphql';
import type { CategoryDocument } from '../entities/category.document';

@ObjectType({ description: 'A shelf of the shop that products belong to. Owned by the products subgraph.' })
@Directive('@key(fields: "id")')
export class Category {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => String, { description: 'Unique URL name, e.g. "audio".' })
  slug!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;
}

/** The API view of a stored category. */
export function toCategory(doc: CategoryDocument): Category {
  return Object.assign(new Category(), { id: doc._id, slug: doc.slug, name: doc.name });
}
