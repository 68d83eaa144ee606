import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { CheckoutPreviewDocument, MeDocument, PlaceOrderDocument, type AddressInput } from '../gql/graphql';
import { rememberOrderToken, setGuestCartId } from '../session';
import { useCurrentCart } from './Cart';
import { Link, navigate } from '../router';
import { Errors, Field, Loading } from '../ui';

/** The payment provider sandbox's test tokens (tools/payment-sandbox): a real shop gets one from its card form. */
export const TEST_CARDS = [
  { token: 'tok_visa', label: 'Visa (test, succeeds)' },
  { token: 'tok_mastercard', label: 'Mastercard (test, succeeds)' },
  { token: 'tok_amex', label: 'American Express (test, succeeds)' },
  { token: 'tok_chargeDeclined', label: 'Card declined (test)' },
  { token: 'tok_insufficientFunds', label: 'Insufficient funds (test)' },
];

const emptyAddress: AddressInput = { recipient: '', line1: '', line2: '', city: '', region: '', postalCode: '', country: 'US' };

/** Empty optional strings are left out (the API refuses none of them, but keeps nulls cleaner). */
function clean(a: AddressInput): AddressInput {
  return Object.fromEntries(Object.entries(a).filter(([, v]) => v !== '' && v !== null && v !== undefined)) as AddressInput;
}

export default function CheckoutPage() {
  const { session, guestCartId, cart, loading: cartLoading } = useCurrentCart();
  const me = useQuery(MeDocument, { skip: !session });
  const [email, setEmail] = useState('');
  const [draft, setDraft] = useState<AddressInput>(emptyAddress);
  const [touched, setTouched] = useState(false);
  const [address, setAddress] = useState<AddressInput | null>(null);
  const [methodId, setMethodId] = useState<string | undefined>();
  const [codes, setCodes] = useState<string[]>([]);
  const [code, setCode] = useState('');
  const [token, setToken] = useState(TEST_CARDS[0].token);
  // One key per checkout: a retried click never places a second order.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);

  // Prefill with the account's default address, unless the customer has started typing.
  const saved = me.data?.me?.addresses.find((a) => a.isDefault) ?? me.data?.me?.addresses[0];
  useEffect(() => {
    if (saved && !touched) {
      const { recipient, line1, line2, city, region, postalCode, country } = saved;
      setDraft({ recipient, line1, line2: line2 ?? '', city, region: region ?? '', postalCode, country });
    }
  }, [saved?.id]);

  const input = {
    ...(guestCartId ? { cartId: guestCartId } : {}),
    ...(address ? { shippingAddress: clean(address) } : {}),
    ...(methodId ? { shippingMethodId: methodId } : {}),
    promotionCodes: codes,
  };
  const preview = useQuery(CheckoutPreviewDocument, { variables: { input }, skip: !session && !guestCartId, fetchPolicy: 'network-only' });
  const [place, placeState] = useMutation(PlaceOrderDocument);

  if ((!cart && !cartLoading) || (cart && cart.items.length === 0 && !placeState.data))
    return (
      <section>
        <h1>Checkout</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      </section>
    );

  const p = preview.data?.checkoutPreview;
  const onAddress = (e: FormEvent) => {
    e.preventDefault();
    setAddress({ ...draft, country: draft.country.trim().toUpperCase() });
  };
  const onCode = (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim();
    if (c && !codes.some((x) => x.toLowerCase() === c.toLowerCase())) setCodes([...codes, c]);
    setCode('');
  };
  const onPlace = async () => {
    if (!address || !p) return;
    const res = await place({
      variables: {
        input: {
          idempotencyKey,
          shippingAddress: clean(address),
          paymentToken: token,
          promotionCodes: codes,
          ...(p.shipping ? { shippingMethodId: p.shipping.method.id } : {}),
          expectedTotal: p.total.amount,
          ...(guestCartId ? { cartId: guestCartId, email: email.trim() } : {}),
        },
      },
    }).catch(() => null);
    const order = res?.data?.placeOrder.order;
    if (!order) return;
    // A guest follows the order with its one-time token (kept in this browser, never in the URL).
    const orderToken = res?.data?.placeOrder.orderToken;
    if (orderToken) rememberOrderToken(order.id, orderToken);
    if (guestCartId) setGuestCartId(null);
    navigate(`/orders/${order.id}`);
  };
  const set = (k: keyof AddressInput) => (e: { target: { value: string } }) => {
    setTouched(true);
    setDraft((d) => ({ ...d, [k]: e.target.value }));
  };

  return (
    <section aria-labelledby="checkout-title" className="checkout">
      <h1 id="checkout-title">Checkout</h1>
      <form onSubmit={onAddress} aria-labelledby="address-title" className="panel">
        <h2 id="address-title">1. Shipping address</h2>
        {!session ? (
          <>
            <p className="muted">
              Checking out as a guest. <Link to="/signin?next=/checkout">Sign in</Link> instead.
            </p>
            <Field label="Email (for the order's emails)" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </>
        ) : null}
        <Field label="Recipient" autoComplete="name" required value={draft.recipient} onChange={set('recipient')} />
        <Field label="Address line 1" autoComplete="address-line1" required value={draft.line1} onChange={set('line1')} />
        <Field label="Address line 2 (optional)" autoComplete="address-line2" value={draft.line2 ?? ''} onChange={set('line2')} />
        <Field label="City" autoComplete="address-level2" required value={draft.city} onChange={set('city')} />
        <Field label="Region / state (optional)" autoComplete="address-level1" value={draft.region ?? ''} onChange={set('region')} />
        <Field label="Postal code" autoComplete="postal-code" required value={draft.postalCode} onChange={set('postalCode')} />
        <Field label="Country" hint="Two letters, e.g. US, DE, GB" autoComplete="country" required pattern="[A-Za-z]{2}" maxLength={2} value={draft.country} onChange={set('country')} />
        <button type="submit">Use this address</button>
      </form>

      <div className="panel">
        <h2>2. Shipping method</h2>
        {!address ? <p className="muted">Enter an address to see the shipping methods.</p> : null}
        {p && address ? (
          p.shippingOptions.length === 0 ? (
            <p>No shipping method ships to {address.country}.</p>
          ) : (
            <fieldset>
              <legend className="sr-only">Shipping method</legend>
              {p.shippingOptions.map((o) => (
                <label key={o.method.id} className="radio">
                  <input type="radio" name="shipping" value={o.method.id} checked={p.shipping?.method.id === o.method.id} onChange={() => setMethodId(o.method.id)} />
                  {o.method.name} — {o.price.formatted}
                  {o.estimatedDelivery ? <span className="muted"> ({o.estimatedDelivery})</span> : null}
                </label>
              ))}
            </fieldset>
          )
        ) : null}
      </div>

      <form className="panel" onSubmit={onCode} aria-labelledby="promo-title">
        <h2 id="promo-title">3. Promotion code</h2>
        <Field label="Code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
        <button type="submit">Apply code</button>
        {codes.length ? (
          <ul className="codes">
            {codes.map((c) => (
              <li key={c}>
                {c}{' '}
                <button type="button" className="link" onClick={() => setCodes(codes.filter((x) => x !== c))}>
                  Remove<span className="sr-only"> code {c}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </form>

      <div className="panel">
        <h2>4. Review and pay</h2>
        <Errors errors={p?.errors} error={preview.error} />
        {preview.loading && !p ? <Loading>Pricing your order…</Loading> : null}
        {p ? (
          <table className="breakdown" aria-label="Price breakdown">
            <tbody>
              {p.lines.map((l, i) => (
                <tr key={i}>
                  <th scope="row">
                    {l.product.name} × {l.quantity}
                  </th>
                  <td>{l.lineTotal.formatted}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">Subtotal</th>
                <td>{p.subtotal.formatted}</td>
              </tr>
              {p.discounts.map((d, i) => (
                <tr key={`d${i}`}>
                  <th scope="row">
                    Discount: {d.description}
                    {d.code ? ` (${d.code})` : ''}
                  </th>
                  <td>−{d.amount.formatted}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">Shipping{p.shipping ? ` (${p.shipping.method.name})` : ''}</th>
                <td>{p.shipping ? p.shipping.price.formatted : '—'}</td>
              </tr>
              {p.taxLines.map((t, i) => (
                <tr key={`t${i}`}>
                  <th scope="row">
                    {t.name} ({(t.rateBasisPoints / 100).toFixed(2)} %){p.pricesIncludeTax ? ', included' : ''}
                  </th>
                  <td>{t.amount.formatted}</td>
                </tr>
              ))}
              <tr className="grand">
                <th scope="row">Total</th>
                <td data-testid="checkout-total">{p.total.formatted}</td>
              </tr>
            </tbody>
          </table>
        ) : null}
        <div className="field-row">
          <label htmlFor="card">Payment (sandbox test card)</label>
          <select id="card" value={token} onChange={(e) => setToken(e.target.value)}>
            {TEST_CARDS.map((c) => (
              <option key={c.token} value={c.token}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <Errors errors={placeState.data?.placeOrder.errors} error={placeState.error} />
        <button type="button" onClick={onPlace} disabled={!address || !p || preview.loading || placeState.loading || p.errors.length > 0 || (!session && !email.trim())}>
          {placeState.loading ? 'Placing your order…' : `Place order${p && address ? ` (${p.total.formatted})` : ''}`}
        </button>
      </div>
    </section>
  );
}
