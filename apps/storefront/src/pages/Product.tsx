import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { AddVariantToCartDocument, ProductPageDocument } from '../gql/graphql';
import { Link, useFocusHeading } from '../router';
import { getGuestCartId, setGuestCartId } from '../session';
import { useSession } from '../App';
import { Errors, Loading, ProductImage, Stars } from '../ui';

export default function ProductPage({ slug }: { slug: string }) {
  const { data, loading, error } = useQuery(ProductPageDocument, { variables: { slug } });
  const session = useSession();
  const [selected, setSelected] = useState<Record<string, string>>({});
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const [add, addState] = useMutation(AddVariantToCartDocument);
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusHeading(heading, data?.product?.id);

  const product = data?.product;
  // Preselect the first active variant's options.
  useEffect(() => {
    if (!product || product.options.length === 0) return;
    const first = product.variants[0];
    if (first) setSelected(Object.fromEntries(first.options.map((o) => [o.name, o.value])));
  }, [product?.id]);

  if (loading && !product) return <Loading />;
  if (!product)
    return (
      <section>
        <Errors error={error} />
        <h1>Product not found</h1>
        <Link to="/">Back to the catalog</Link>
      </section>
    );

  const variant =
    product.options.length === 0
      ? product.variants.find((v) => v.id === product.defaultVariant.id) ?? product.variants[0]
      : product.variants.find((v) => v.options.every((o) => selected[o.name] === o.value));
  const available = variant?.stock?.available ?? null;
  const payloadErrors = addState.data?.addVariantToCart.errors;

  const onAdd = async () => {
    if (!variant) return;
    setAdded(false);
    // A guest's first add creates a guest cart; its id is kept for the next calls (and merged at sign-in).
    const cartId = session ? undefined : (getGuestCartId() ?? undefined);
    let res = await add({ variables: { variantId: variant.id, quantity, cartId } }).catch(() => null);
    // A guest cart forgotten by the shop (30 days untouched): start a new one.
    if (cartId && res?.data?.addVariantToCart.errors.some((e) => e.code === 'NOT_FOUND')) {
      setGuestCartId(null);
      res = await add({ variables: { variantId: variant.id, quantity } }).catch(() => null);
    }
    const payload = res?.data?.addVariantToCart;
    if (payload && payload.errors.length === 0) {
      if (!session) setGuestCartId(payload.cart.id);
      setAdded(true);
    }
  };

  return (
    <article className="product" aria-labelledby="product-title">
      <p className="crumbs">
        <Link to="/">Catalog</Link> › <Link to={`/?category=${encodeURIComponent(product.category.slug)}`}>{product.category.name}</Link>
      </p>
      <div className="product-main">
        <ProductImage src={product.images[0]} alt={product.name} width={480} height={360} big />
        <div>
          <h1 id="product-title" tabIndex={-1} ref={heading}>
            {product.name}
          </h1>
          {product.brand ? <p className="muted">{product.brand}</p> : null}
          <p className="price" data-testid="price">
            {variant?.price.formatted ?? product.price.formatted}
          </p>
          <p>{product.rating ? <Stars average={product.rating.average} count={product.rating.count} /> : <span className="muted">Ratings unavailable</span>}</p>
          <p>{product.description}</p>
          {product.options.map((option) => (
            <div className="field-row" key={option.name}>
              <label htmlFor={`opt-${option.name}`}>{option.name}</label>
              <select id={`opt-${option.name}`} value={selected[option.name] ?? ''} onChange={(e) => setSelected({ ...selected, [option.name]: e.target.value })}>
                {option.values.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <p data-testid="stock" className={variant?.inStock === false ? 'out' : 'in'}>
            {!variant
              ? 'This combination is not sold'
              : variant.inStock === false
                ? 'Out of stock'
                : available !== null
                  ? `${available} in stock`
                  : 'Stock unknown right now'}
            {variant && product.options.length > 0 ? <span className="muted"> · SKU {variant.sku}</span> : null}
          </p>
          <div className="field-row inline">
            <label htmlFor="qty">Quantity</label>
            <input id="qty" type="number" min={1} max={99} value={quantity} onChange={(e) => setQuantity(Math.max(1, Math.min(99, Number(e.target.value) || 1)))} />
          </div>
          <button type="button" onClick={onAdd} disabled={!variant || variant.inStock === false || addState.loading || !product.active}>
            {addState.loading ? 'Adding…' : 'Add to cart'}
          </button>
          {added ? (
            <p role="status">
              Added to your cart. <Link to="/cart">View cart</Link>
            </p>
          ) : null}
          <Errors errors={payloadErrors} error={addState.error} />
        </div>
      </div>
      <section aria-labelledby="reviews-title" className="reviews">
        <h2 id="reviews-title">Reviews{product.reviews ? ` (${product.reviews.totalCount})` : ''}</h2>
        {product.rating && product.rating.count > 0 ? (
          <dl className="histogram" aria-label="Ratings histogram">
            {[5, 4, 3, 2, 1].map((stars) => (
              <div key={stars}>
                <dt>{stars} ★</dt>
                <dd>{product.rating!.histogram[stars - 1]}</dd>
              </div>
            ))}
          </dl>
        ) : null}
        {product.reviews === null ? <p className="muted">Reviews cannot be shown right now.</p> : null}
        <ul className="review-list">
          {product.reviews?.edges.map(({ node: r }) => (
            <li key={r.id}>
              <p>
                <span aria-label={`${r.rating} out of 5`}>{'★'.repeat(r.rating)}{'☆'.repeat(5 - r.rating)}</span> <strong>{r.title}</strong>
                {r.verifiedPurchase ? <span className="badge">Verified purchase</span> : null}
              </p>
              <p>{r.body}</p>
              <p className="muted">
                {r.author.name} · {new Date(r.createdAt).toLocaleDateString()}
              </p>
            </li>
          ))}
        </ul>
      </section>
    </article>
  );
}
