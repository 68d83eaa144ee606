import { registerEnumType } from 'type-graphql';

/** Orders a product list can take; every one ends with the id as a tiebreaker. */
export enum ProductSort {
  RELEVANCE = 'RELEVANCE',
  NEWEST = 'NEWEST',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  NAME = 'NAME',
}
registerEnumType(ProductSort, {
  name: 'ProductSort',
  description: 'Order of a product list. Ties are always broken by product id, so pages are stable.',
  valuesConfig: {
    RELEVANCE: { description: 'Best search matches first (words found in the name count most, then brand and tags, then description); newest first without a search.' },
    NEWEST: { description: 'Most recently created first.' },
    PRICE_ASC: { description: 'Cheapest first (by amount in minor units).' },
    PRICE_DESC: { description: 'Most expensive first (by amount in minor units).' },
    NAME: { description: 'By name, A to Z, ignoring case.' },
  },
});
