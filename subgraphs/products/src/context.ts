import type { RequestContext } from '@shopgraph/kit';
import type { ProductsLoaders } from './loaders';
import type { CatalogService } from './services/catalog.service';
import type { CategoryService } from './services/category.service';
import type { ProductService } from './services/product.service';
import type { VariantService } from './services/variant.service';

export * from './loaders';

/** The subgraph's services, shared by every request. */
export interface ProductsServices {
  catalog: CatalogService;
  products: ProductService;
  variants: VariantService;
  categories: CategoryService;
}

/** What every products resolver receives. */
export interface ProductsContext extends RequestContext {
  services: ProductsServices;
  loaders: ProductsLoaders;
}
