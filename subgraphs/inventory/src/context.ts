import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { ReservationService } from './services/reservation.service';
import type { StockService } from './services/stock.service';
import type { StockStore } from './stores/stock.store';
import { toProduct, type Product } from './types/product.type';
import { toProductVariant, type ProductVariant } from './types/product-variant.type';

/** The subgraph's services, shared by every request. */
export interface InventoryServices {
  stock: StockService;
  reservations: ReservationService;
}

/** Per-request batching loaders: N product (or variant) references in one tick become one SQL query. */
export interface InventoryLoaders {
  /** A product stub with its stock (zero stock when there is no record). */
  product: DataLoader<string, Product>;
  /** A variant stub with its own stock. */
  variant: DataLoader<string, ProductVariant>;
}

/** What every inventory resolver receives. */
export interface InventoryContext extends RequestContext {
  services: InventoryServices;
  loaders: InventoryLoaders;
}

/** Fresh loaders for one request (their cache must never outlive it). */
export function createLoaders(stock: StockStore): InventoryLoaders {
  return {
    // A product's stock is the sum over its active variants (one grouped query for the batch).
    product: new DataLoader(async (productIds) => {
      const byId = new Map((await stock.sumsByProduct(productIds)).map((row) => [row.productId, row]));
      return productIds.map((id) => toProduct(id, byId.get(id) ?? null));
    }),
    variant: new DataLoader(async (variantIds) => {
      const byId = new Map((await stock.findByProductIds(variantIds)).map((row) => [row.productId, row]));
      return variantIds.map((id) => toProductVariant(id, byId.get(id) ?? null));
    }),
  };
}
