import { stableId } from './ids';

/** A demo shipping method (the shipping subgraph's seed); money in USD minor units. */
export interface DemoShippingMethod {
  id: string;
  name: string;
  carrier: string;
  description: string;
  /** ISO-3166-1 alpha-2 codes where it ships. */
  countries: string[];
  price: number;
  currency: string;
  /** Free when the discounted subtotal reaches this; null: never free. */
  freeOver: number | null;
  minDeliveryDays: number;
  maxDeliveryDays: number;
}

const COUNTRIES = ['US', 'CA', 'DE', 'FR', 'GB'];

/** Standard (free over $50) and Express to the US, Canada, Germany, France and the UK. */
export const demoShippingMethods: DemoShippingMethod[] = [
  {
    id: stableId('shipping-method:standard'),
    name: 'Standard',
    carrier: 'Shopgraph Post',
    description: 'Tracked parcel, free on orders of $50 or more after discounts',
    countries: COUNTRIES,
    price: 499,
    currency: 'USD',
    freeOver: 5000,
    minDeliveryDays: 3,
    maxDeliveryDays: 5,
  },
  {
    id: stableId('shipping-method:express'),
    name: 'Express',
    carrier: 'Shopgraph Express',
    description: 'Next or second business day, tracked and insured',
    countries: COUNTRIES,
    price: 1499,
    currency: 'USD',
    freeOver: null,
    minDeliveryDays: 1,
    maxDeliveryDays: 2,
  },
];
