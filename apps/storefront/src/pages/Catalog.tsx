import { useState, type FormEvent } from 'react';
import { useQuery } from '@apollo/client/react';
import { CatalogDocument, CategoriesDocument, type ProductCardFragment, type ProductSort } from '../gql/graphql';
import { Link, navigate, useLocation } from '../router';
import { Errors, Loading, ProductImage, Stars } from '../ui';

const PAGE_SIZE = 12;

/** Dollars as typed -> minor units (undefined when empty or not a number). */
const toMinor = (v: string | null) => {
  if (!v) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 100) : undefined;
};

function ProductCard({ p }: { p: ProductCardFragment }) {
  const range = p.priceRange.min.amount !== p.priceRange.max.amount;
  return (
    <li className="card">
      <ProductImage src={p.images[0]} alt="" width={240} height={180} />
      <h2>
        <Link to={`/products/${encodeURIComponent(p.slug)}`}>{p.name}</Link>
      </h2>
      {p.brand ? <p className="muted">{p.brand}</p> : null}
      <p className="price">{range ? `${p.priceRange.min.formatted} – ${p.priceRange.max.formatted}` : p.price.formatted}</p>
      <p>{p.rating ? <Stars average={p.rating.average} count={p.rating.count} /> : null}</p>
      <p className={p.inStock === false ? 'out' : 'in'}>{p.inStock === false ? 'Out of stock' : p.inStock ? 'In stock' : 'Stock unknown'}</p>
    </li>
  );
}

export function CatalogPage() {
  const { query } = useLocation();
  const search = query.get('q') ?? '';
  const category = query.get('category') ?? '';
  const min = query.get('min') ?? '';
  const max = query.get('max') ?? '';
  const sort = (query.get('sort') as ProductSort | null) ?? (search ? 'RELEVANCE' : 'NEWEST');
  const [form, setForm] = useState({ search, category, min, max, sort });

  const filter = {
    ...(search ? { search } : {}),
    ...(category ? { categorySlug: category } : {}),
    ...(toMinor(min) !== undefined ? { minPrice: toMinor(min) } : {}),
    ...(toMinor(max) !== undefined ? { maxPrice: toMinor(max) } : {}),
  };
  const categories = useQuery(CategoriesDocument);
  const { data, loading, error, fetchMore } = useQuery(CatalogDocument, {
    variables: { filter, sort, first: PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });
  const [more, setMore] = useState(false);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const params = new URLSearchParams();
    if (form.search.trim()) params.set('q', form.search.trim());
    if (form.category) params.set('category', form.category);
    if (form.min) params.set('min', form.min);
    if (form.max) params.set('max', form.max);
    if (form.sort && form.sort !== 'NEWEST') params.set('sort', form.sort);
    navigate(params.size ? `/?${params}` : '/');
  };
  const conn = data?.products;
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <form className="filters" role="search" onSubmit={apply} aria-label="Search and filter products">
        <div className="field-row">
          <label htmlFor="q">Search</label>
          <input id="q" type="search" name="q" value={form.search} onChange={(e) => setForm({ ...form, search: e.target.value })} placeholder="Name, brand, tag…" />
        </div>
        <div className="field-row">
          <label htmlFor="category">Category</label>
          <select id="category" value={form.category} onChange={(e) => setForm({ ...form, category: e.target.value })}>
            <option value="">All categories</option>
            {categories.data?.categories.map((c) => (
              <option key={c.id} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field-row">
          <label htmlFor="min">Min price ($)</label>
          <input id="min" type="number" min="0" step="0.01" inputMode="decimal" value={form.min} onChange={(e) => setForm({ ...form, min: e.target.value })} />
        </div>
        <div className="field-row">
          <label htmlFor="max">Max price ($)</label>
          <input id="max" type="number" min="0" step="0.01" inputMode="decimal" value={form.max} onChange={(e) => setForm({ ...form, max: e.target.value })} />
        </div>
        <div className="field-row">
          <label htmlFor="sort">Sort</label>
          <select id="sort" value={form.sort} onChange={(e) => setForm({ ...form, sort: e.target.value as ProductSort })}>
            <option value="NEWEST">Newest</option>
            <option value="RELEVANCE">Relevance</option>
            <option value="PRICE_ASC">Price, low to high</option>
            <option value="PRICE_DESC">Price, high to low</option>
            <option value="NAME">Name</option>
          </select>
        </div>
        <button type="submit">Apply</button>
      </form>
      <Errors error={error} />
      {conn ? (
        <>
          <p className="muted" aria-live="polite" data-testid="result-count">
            {conn.totalCount} {conn.totalCount === 1 ? 'product' : 'products'}
          </p>
          <ul className="grid" aria-label="Products">
            {conn.edges.map((e) => (
              <ProductCard key={e.node.id} p={e.node} />
            ))}
          </ul>
          {conn.pageInfo.hasNextPage ? (
            <button
              type="button"
              disabled={more}
              onClick={async () => {
                setMore(true);
                try {
                  await fetchMore({ variables: { after: conn.pageInfo.endCursor } });
                } finally {
                  setMore(false);
                }
              }}
            >
              {more ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </>
      ) : loading ? (
        <Loading />
      ) : null}
    </section>
  );
}
