import type { DocumentLocks, MongoOutboxRelay } from '@shopgraph/events';
import { requireAdmin, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import {
  activeVariantPrices,
  duplicatesActiveCombination,
  normalizeVariant,
  optionsOf,
  productIdOfVariant,
  validateSku,
  validateVariantPrice,
  VARIANT_LIMITS,
  variantIdFor,
  variantsOf,
  type VariantDoc,
  type VariantFields,
} from '../domain/variants';
import type { ProductRecord } from '../entities/product.document';
import { EVENT_SOURCE, productUpdated } from '../events/product.events';
import type { CategoryStore } from '../stores/category.store';
import type { ProductCache } from '../stores/product.cache';
import type { ProductStore } from '../stores/product.store';
import type { SkuStore } from '../stores/sku.store';
import { ProductVariantPayload, toVariant } from '../types/variant.type';
import { skusOf } from './product.service';

const MAX_ATTEMPTS = 8;
const origin = (ctx: RequestContext) => ({ source: EVENT_SOURCE, correlationId: ctx.requestId });
const invalid = (message: string, field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, field);
const failed = (...errors: UserError[]) => ProductVariantPayload.of(null, errors);
const noProduct = (field: string) => failed(UserError.of(UserErrorCode.NOT_FOUND, 'No product with this id', [field]));
const noVariant = () => failed(UserError.of(UserErrorCode.NOT_FOUND, 'No variant with this id', ['id']));
const skuTaken = (sku: string) =>
  failed(UserError.of(UserErrorCode.ALREADY_EXISTS, `A product or variant with sku ${sku} already exists`, ['input', 'sku']));

/** A planned change of a product's variants: the new list, or errors found against the current product. */
type Plan = { variants: VariantDoc[]; variantId: string; initialStock?: number } | { errors: UserError[] };

/**
 * The ADMIN mutations on variants. Each is one write of the product document, conditional on the
 * version read and run under the product's lock (as ProductService does), carrying a
 * ProductUpdated with every variant; skus are claimed in the sku registry before the write.
 */
export class VariantService {
  constructor(
    private readonly products: ProductStore,
    private readonly cache: ProductCache,
    private readonly relay: Pick<MongoOutboxRelay, 'wake'>,
    private readonly locks: DocumentLocks,
    private readonly skus: SkuStore,
    /** For the category slugs its ProductUpdated events carry (left out of them without it). */
    private readonly categories?: CategoryStore,
  ) {}

  /** Adds a variant to a product with options: one value per option, a combination no active variant has, a free sku. */
  async add(ctx: RequestContext, productId: string, raw: VariantFields): Promise<ProductVariantPayload> {
    requireAdmin(ctx);
    const product = await this.products.findById(productId);
    if (!product) return noProduct('productId');
    const options = optionsOf(product);
    if (options.length === 0) return failed(invalid('This product has no options, so it has its default variant only', ['productId']));
    const { variant, errors } = normalizeVariant(raw, options, product.price, ['input']);
    if (errors.length > 0) return failed(...errors);
    const taken = await this.skus.claim(productId, [variant.sku], (id, sku) => this.holds(id, sku));
    if (taken) return skuTaken(taken);
    const variantId = variantIdFor(productId);
    const result = await this.change(ctx, productId, (current) => {
      const variants = variantsOf(current);
      if (variants.length >= VARIANT_LIMITS.variants)
        return { errors: [invalid(`A product has at most ${VARIANT_LIMITS.variants} variants`, ['productId'])] };
      if (duplicatesActiveCombination(variants, variant.options)) {
        return {
          errors: [
            invalid(`Another active variant already has the options ${variant.options.map((o) => `${o.name} ${o.value}`).join(', ')}`, [
              'input',
              'options',
            ]),
          ],
        };
      }
      if (skusOf(current).includes(variant.sku))
        return { errors: [UserError.of(UserErrorCode.ALREADY_EXISTS, `This product already uses sku ${variant.sku}`, ['input', 'sku'])] };
      const added: VariantDoc = { id: variantId, sku: variant.sku, options: variant.options, price: variant.price, active: true };
      return { variants: [...variants, added], variantId, initialStock: variant.initialStock };
    });
    if (result.errors.length > 0) await this.skus.release(productId, [variant.sku]);
    return result;
  }

  /** Changes a variant's sku and/or price. A default variant's sku and price are its product's. */
  async update(ctx: RequestContext, id: string, raw: { sku?: string | null; price?: number | null }): Promise<ProductVariantPayload> {
    requireAdmin(ctx);
    const sku = raw.sku == null ? undefined : raw.sku.trim().toUpperCase();
    const errors = [
      ...(sku !== undefined ? validateSku(sku, ['input', 'sku']) : []),
      ...(raw.price != null ? validateVariantPrice(raw.price, ['input', 'price']) : []),
    ];
    if (errors.length > 0) return failed(...errors);
    const productId = productIdOfVariant(id);
    const before = await this.products.findById(productId);
    const old = before && variantsOf(before).find((v) => v.id === id);
    if (!before || !old) return noVariant();
    const newSku = sku !== undefined && sku !== old.sku ? sku : undefined;
    if (newSku && (await this.skus.claim(productId, [newSku], (pid, s) => this.holds(pid, s)))) return skuTaken(newSku);
    const result = await this.change(ctx, productId, (current) => {
      const variants = variantsOf(current);
      const at = variants.findIndex((v) => v.id === id);
      if (at === -1) return { errors: [UserError.of(UserErrorCode.NOT_FOUND, 'No variant with this id', ['id'])] };
      if (newSku && skusOf(current).includes(newSku))
        return { errors: [UserError.of(UserErrorCode.ALREADY_EXISTS, `This product already uses sku ${newSku}`, ['input', 'sku'])] };
      const next = [...variants];
      next[at] = { ...variants[at], sku: newSku ?? variants[at].sku, price: raw.price ?? variants[at].price };
      return { variants: next, variantId: id };
    });
    if (newSku) {
      if (result.errors.length > 0) await this.skus.release(productId, [newSku]);
      else if (!(await this.holds(productId, old.sku))) await this.skus.release(productId, [old.sku]);
    }
    return result;
  }

  /** Archives a variant (it can no longer be ordered); the product keeps at least one active variant. Archiving twice changes nothing. */
  async archive(ctx: RequestContext, id: string): Promise<ProductVariantPayload> {
    requireAdmin(ctx);
    return this.change(ctx, productIdOfVariant(id), (current) => {
      const variants = variantsOf(current);
      const at = variants.findIndex((v) => v.id === id);
      if (at === -1) return { errors: [UserError.of(UserErrorCode.NOT_FOUND, 'No variant with this id', ['id'])] };
      if (!variants[at].active) return { variants, variantId: id };
      if (variants.filter((v) => v.active).length === 1)
        return { errors: [invalid('A product keeps at least one active variant: archive the product instead', ['id'])] };
      const next = [...variants];
      next[at] = { ...variants[at], active: false };
      return { variants: next, variantId: id };
    }).then((payload) => (payload.errors.some((e) => e.code === UserErrorCode.NOT_FOUND) ? noVariant() : payload));
  }

  /** Whether the stored product `productId` holds `sku`. */
  private async holds(productId: string, sku: string): Promise<boolean> {
    const product = await this.products.findById(productId);
    return product !== null && skusOf(product).includes(sku);
  }

  /**
   * Plans a change on the current product and writes it at the version read (re-planned when
   * another write got in between), with its ProductUpdated; a plan that changes nothing writes nothing.
   */
  private async change(ctx: RequestContext, productId: string, plan: (current: ProductRecord) => Plan): Promise<ProductVariantPayload> {
    return this.locks.run(productId, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await this.products.findById(productId);
        if (!current) return noProduct('id');
        const planned = plan(current);
        if ('errors' in planned) return failed(...planned.errors);
        const variant = planned.variants.find((v) => v.id === planned.variantId)!;
        if (JSON.stringify(planned.variants) === JSON.stringify(variantsOf(current)))
          return ProductVariantPayload.of(toVariant(current, variant));
        const defaultVariant = planned.variants.find((v) => v.active) ?? planned.variants[0];
        const next: ProductRecord = {
          ...current,
          options: optionsOf(current),
          variants: planned.variants,
          price: defaultVariant.price,
          // A product without options: its sku is its default variant's.
          sku: optionsOf(current).length === 0 ? defaultVariant.sku : current.sku,
        };
        const categorySlugs = this.categories ? await this.categories.slugsOf(current.categoryId) : undefined;
        const stock = planned.initialStock !== undefined ? new Map([[planned.variantId, planned.initialStock]]) : undefined;
        const updated = await this.products.updateAtVersion(
          productId,
          current.version,
          {
            options: next.options,
            variants: next.variants,
            variantPrices: activeVariantPrices(next.variants!),
            price: next.price,
            sku: next.sku,
            updatedAt: new Date(),
          },
          [productUpdated(next, origin(ctx), stock, categorySlugs)],
        );
        if (!updated) continue;
        await this.cache.invalidate(updated);
        this.relay.wake();
        return ProductVariantPayload.of(
          toVariant(
            updated,
            variantsOf(updated).find((v) => v.id === planned.variantId)!,
          ),
        );
      }
      return failed(UserError.of(UserErrorCode.CONFLICT, 'The product was changed by someone else meanwhile; try again', ['id']));
    });
  }
}
