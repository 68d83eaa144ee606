import { useEffect, useRef, useState } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import type { Observable } from 'rxjs';
import { CancelOrderDocument, GuestOrderDocument, GuestOrderLiveDocument, OrderLiveDocument, OrderPageDocument, type OrderCoreFragment, type OrderDetailFragment } from '../gql/graphql';
import { getOrderToken } from '../session';
import { Link } from '../router';
import { useSession } from '../App';
import { Errors, Loading, Status } from '../ui';

type Live = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows the order over graphql-ws: the first event is its current state, then every change.
 * The events' `order { ... }` lands in the normalized cache (Order:<id>), so the page's query
 * re-renders by itself. When the socket drops, it subscribes again with `afterVersion` = the last
 * version seen: the gateway replays what was missed (from the order's history), then goes live.
 */
function useLiveOrder(orderId: string, enabled: boolean, orderToken: string | null) {
  const client = useApolloClient();
  const [live, setLive] = useState<Live>('connecting');
  const last = useRef<number | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let sub: { unsubscribe(): void } | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let waiting = false;
    const connect = () => {
      waiting = false;
      const afterVersion = last.current !== null ? { afterVersion: last.current } : {};
      const events: Observable<{ data?: { orderStatusChanged: { version: number } } | undefined; error?: unknown }> = orderToken
        ? client.subscribe({ query: GuestOrderLiveDocument, variables: { orderId, orderToken, ...afterVersion } })
        : client.subscribe({ query: OrderLiveDocument, variables: { orderId, ...afterVersion } });
      sub = events.subscribe({
          next: (result) => {
            const event = result.data?.orderStatusChanged;
            if (event) {
              attempt = 0;
              if (last.current === null || event.version > last.current) last.current = event.version;
              setLive('live');
            } else if (result.error) {
              // No event at all (refused, or the stream failed): subscribe again. An event whose
              // order came back partial (a subgraph away) still counts and is shown.
              retry();
            }
          },
          error: () => retry(),
          complete: () => retry(),
        });
    };
    const retry = () => {
      if (stopped) return;
      sub?.unsubscribe();
      setLive('reconnecting');
      attempt += 1;
      clearTimeout(timer);
      const backoff = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      const hold = Math.max(0, (window.__shopgraphLive?.holdUntil ?? 0) - performance.now());
      waiting = true;
      timer = setTimeout(connect, Math.min(Math.max(backoff, hold), 60_000));
    };
    const resumeNow = () => {
      if (!waiting || stopped) return;
      clearTimeout(timer);
      connect();
    };
    window.addEventListener('shopgraph:live-resume', resumeNow);
    connect();
    return () => {
      window.removeEventListener('shopgraph:live-resume', resumeNow);
      stopped = true;
      clearTimeout(timer);
      sub?.unsubscribe();
    };
  }, [orderId, enabled, orderToken]);
  return live;
}

export default function OrderPage({ id }: { id: string }) {
  const session = useSession();
  // A guest reads and follows the order with the token placeOrder gave this browser.
  const token = session ? null : getOrderToken(id);
  // errorPolicy all: a subgraph that cannot answer costs its fields (payment: null), not the page.
  const mine = useQuery(OrderPageDocument, { variables: { id }, skip: !session, errorPolicy: 'all' });
  const guest = useQuery(GuestOrderDocument, { variables: { token: token ?? '' }, skip: !token, errorPolicy: 'all' });
  const order: (OrderCoreFragment & Partial<Pick<OrderDetailFragment, 'payment' | 'shipments'>>) | null | undefined = session ? mine.data?.order : guest.data?.orderByToken;
  const { loading, error } = session ? mine : guest;
  const live = useLiveOrder(id, Boolean((session || token) && order), token);
  const [cancel, cancelState] = useMutation(CancelOrderDocument);

  if (!session && !token)
    return (
      <section>
        <h1>Order</h1>
        <p>
          <Link to={`/signin?next=${encodeURIComponent(`/orders/${id}`)}`}>Sign in</Link> to see this order.
        </p>
      </section>
    );
  if (!order)
    return (
      <section>
        <h1>Order</h1>
        <Errors error={error} />
        {loading ? <Loading /> : <p>No such order.</p>}
      </section>
    );

  const cancellable = Boolean(session) && ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED'].includes(order.status);
  return (
    <article aria-labelledby="order-title" className="order">
      <h1 id="order-title">Order {order.number}</h1>
      <p className="order-status" aria-live="polite">
        Status: <Status status={order.status} />
        {order.cancellationReason ? (
          <span data-testid="cancellation-reason">
            {' '}
            — reason: <strong>{order.cancellationReason.replace(/_/g, ' ').toLowerCase()}</strong>
          </span>
        ) : null}{' '}
        <span className={`live live-${live}`} data-testid="live-state">
          {live === 'live' ? '● live' : live === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
      </p>
      {order.payment ? (
        <p>
          Payment: {order.payment.status.toLowerCase()}
          {order.payment.cardBrand ? ` · ${order.payment.cardBrand} ${order.payment.cardLast4 ? `•••• ${order.payment.cardLast4}` : ''}` : ''}
          {order.payment.failureReason ? <span className="muted"> ({order.payment.failureReason})</span> : null}
        </p>
      ) : null}
      <h2>Progress</h2>
      <ol className="history" data-testid="history">
        {order.history.map((h, i) => (
          <li key={i}>
            <Status status={h.status} /> <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time>
            {h.reason ? <span className="muted"> — {h.reason}</span> : null}
          </li>
        ))}
      </ol>
      {order.shipments?.length ? (
        <>
          <h2>Shipments</h2>
          <ul>
            {order.shipments.map((s) => (
              <li key={s.id} data-testid="shipment">
                {s.carrier} · {s.status.toLowerCase().replace(/_/g, ' ')}
                {s.trackingNumber ? (
                  <>
                    {' '}
                    · tracking {s.trackingUrl ? <a href={s.trackingUrl}>{s.trackingNumber}</a> : s.trackingNumber}
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>Items</h2>
      <table className="lines">
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">Qty</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((it, i) => (
            <tr key={i}>
              <td>
                {it.product ? <Link to={`/products/${encodeURIComponent(it.product.slug)}`}>{it.productName}</Link> : it.productName}
                {it.variantTitle && it.variantTitle !== it.productName ? <span className="muted"> · {it.variantTitle}</span> : null}
              </td>
              <td>{it.unitPrice.formatted}</td>
              <td>{it.quantity}</td>
              <td>{it.lineTotal.formatted}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="breakdown" aria-label="Totals">
        <tbody>
          <tr>
            <th scope="row">Subtotal</th>
            <td>{order.subtotal.formatted}</td>
          </tr>
          {order.discountTotal.amount > 0 ? (
            <tr>
              <th scope="row">Discounts</th>
              <td>−{order.discountTotal.formatted}</td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">Shipping{order.shippingMethod ? ` (${order.shippingMethod.name})` : ''}</th>
            <td>{order.shippingTotal.formatted}</td>
          </tr>
          {order.taxTotal.amount > 0 ? (
            <tr>
              <th scope="row">Tax</th>
              <td>{order.taxTotal.formatted}</td>
            </tr>
          ) : null}
          <tr className="grand">
            <th scope="row">Total</th>
            <td>{order.total.formatted}</td>
          </tr>
        </tbody>
      </table>
      <h2>Shipping to</h2>
      <address>
        {order.shippingAddress.recipient}
        <br />
        {order.shippingAddress.line1}
        {order.shippingAddress.line2 ? (
          <>
            <br />
            {order.shippingAddress.line2}
          </>
        ) : null}
        <br />
        {order.shippingAddress.postalCode} {order.shippingAddress.city}
        {order.shippingAddress.region ? `, ${order.shippingAddress.region}` : ''} · {order.shippingAddress.country}
      </address>
      {cancellable ? (
        <p>
          <button type="button" className="secondary" onClick={() => void cancel({ variables: { id: order.id } }).catch(() => undefined)} disabled={cancelState.loading}>
            Cancel this order
          </button>
        </p>
      ) : null}
      <Errors errors={cancelState.data?.cancelOrder.errors} error={cancelState.error} />
    </article>
  );
}
