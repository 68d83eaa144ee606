import { useMutation, useQuery } from '@apollo/client/react';
import { CartDocument, UpdateCartLineDocument } from '../gql/graphql';
import { Link } from '../router';
import { useSession } from '../App';
import { Errors, Loading } from '../ui';

export default function CartPage() {
  const session = useSession();
  const { data, loading, error } = useQuery(CartDocument, { skip: !session, fetchPolicy: 'cache-and-network' });
  const [update, updateState] = useMutation(UpdateCartLineDocument);
  if (!session)
    return (
      <section>
        <h1>Your cart</h1>
        <p>
          <Link to="/signin?next=/cart">Sign in</Link> to see your cart.
        </p>
      </section>
    );
  const cart = data?.cart;
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      <Errors error={error} />
      <Errors errors={updateState.data?.updateCartLine.errors} error={updateState.error} />
      {!cart && loading ? <Loading /> : null}
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
                        if (Number.isInteger(q) && q !== line.quantity) void update({ variables: { lineId: line.id, quantity: q } }).catch(() => undefined);
                      }}
                    />
                  </td>
                  <td>{line.lineTotal.formatted}</td>
                  <td>
                    <button type="button" className="link" onClick={() => void update({ variables: { lineId: line.id, quantity: 0 } }).catch(() => undefined)}>
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
            Checkout
          </Link>
        </>
      ) : null}
    </section>
  );
}
