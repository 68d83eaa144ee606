import { useSyncExternalStore } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { CartDocument, GuestCartDocument, UpdateCartLineDocument } from '../gql/graphql';
import { getGuestCartId, onSessionChange } from '../session';
import { Link } from '../router';
import { useSession } from '../App';
import { Errors, Loading } from '../ui';

/** The cart of whoever is here: the signed-in customer's, else the guest cart this browser keeps. */
export function useCurrentCart() {
  const session = useSession();
  const guestCartId = useSyncExternalStore(onSessionChange, getGuestCartId);
  const mine = useQuery(CartDocument, { skip: !session, fetchPolicy: 'cache-and-network' });
  const guest = useQuery(GuestCartDocument, { variables: { cartId: guestCartId ?? '' }, skip: Boolean(session) || !guestCartId, fetchPolicy: 'cache-and-network' });
  const cart = session ? mine.data?.cart : guest.data?.guestCart;
  return { session, guestCartId: session ? null : guestCartId, cart: cart ?? null, loading: session ? mine.loading : guest.loading, error: session ? mine.error : guest.error };
}

export default function CartPage() {
  const { session, guestCartId, cart, loading, error } = useCurrentCart();
  const [update, updateState] = useMutation(UpdateCartLineDocument);
  const change = (lineId: string, quantity: number) => void update({ variables: { lineId, quantity, cartId: guestCartId ?? undefined } }).catch(() => undefined);
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      <Errors error={error} />
      <Errors errors={updateState.data?.updateCartLine.errors} error={updateState.error} />
      {!cart && loading ? <Loading /> : null}
      {!cart && !loading ? (
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      ) : null}
      {cart && cart.items.length === 0 ? (
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      ) : null}
      {cart && cart.items.length > 0 ? (
        <>
          <table className="lines">
            <caption className="sr-only">Cart lines</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Price</th>
                <th scope="col">Quantity</th>
                <th scope="col">Total</th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cart.items.map((line) => (
                <tr key={line.id}>
                  <td>
                    <Link to={`/products/${encodeURIComponent(line.product.slug)}`}>{line.product.name}</Link>
                    {line.variant.title !== line.product.name ? <span className="muted"> · {line.variant.title}</span> : null}
                  </td>
                  <td>{line.unitPrice.formatted}</td>
                  <td>
                    <label className="sr-only" htmlFor={`qty-${line.id}`}>
                      Quantity of {line.product.name}
                    </label>
                    <input
                      id={`qty-${line.id}`}
                      type="number"
                      min={0}
                      max={99}
                      defaultValue={line.quantity}
                      onBlur={(e) => {
                        const q = Number(e.target.value);
                        if (Number.isInteger(q) && q !== line.quantity) change(line.id, q);
                      }}
                    />
                  </td>
                  <td>{line.lineTotal.formatted}</td>
                  <td>
                    <button type="button" className="link" onClick={() => change(line.id, 0)}>
                      Remove<span className="sr-only"> {line.product.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="total">
            Subtotal ({cart.itemCount} {cart.itemCount === 1 ? 'item' : 'items'}): <strong data-testid="cart-subtotal">{cart.subtotal.formatted}</strong>
          </p>
          <Link to="/checkout" className="button">
            {session ? 'Checkout' : 'Check out as a guest'}
          </Link>
          {!session ? (
            <p className="muted">
              Or <Link to="/signin?next=/cart">sign in</Link>: this cart joins your account&apos;s.
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
