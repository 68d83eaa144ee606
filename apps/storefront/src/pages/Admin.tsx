import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { AdminOrdersDocument, LowStockDocument, ShipOrderDocument, type OrderStatus } from '../gql/graphql';
import { Link } from '../router';
import { useSession } from '../App';
import { Errors, Loading, Status } from '../ui';

const STATUSES: OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

function ShipForm({ orderId, number, onDone }: { orderId: string; number: string; onDone: (message: string) => void }) {
  const [carrier, setCarrier] = useState('UPS');
  const [tracking, setTracking] = useState('');
  const [ship, state] = useMutation(ShipOrderDocument);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await ship({ variables: { input: { orderId, carrier, ...(tracking ? { trackingNumber: tracking } : {}) } } }).catch(() => null);
    const shipment = res?.data?.createShipment.shipment;
    if (shipment) onDone(`Order ${number} shipped (${shipment.carrier}${shipment.trackingNumber ? `, tracking ${shipment.trackingNumber}` : ''}).`);
  };
  return (
    <form onSubmit={onSubmit} className="ship-form" aria-label={`Ship order ${number}`}>
      <label htmlFor={`carrier-${orderId}`}>Carrier</label>
      <input id={`carrier-${orderId}`} value={carrier} onChange={(e) => setCarrier(e.target.value)} required size={8} />
      <label htmlFor={`tracking-${orderId}`}>Tracking no.</label>
      <input id={`tracking-${orderId}`} value={tracking} onChange={(e) => setTracking(e.target.value)} size={12} />
      <button type="submit" disabled={state.loading}>
        Ship<span className="sr-only"> order {number}</span>
      </button>
      <Errors errors={state.data?.createShipment.errors} error={state.error} />
    </form>
  );
}

export default function AdminPage() {
  const session = useSession();
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const [threshold, setThreshold] = useState(5);
  // The last shipment made here: the order may leave the filtered list as soon as it is refreshed.
  const [notice, setNotice] = useState('');
  const isAdmin = session?.user.role === 'ADMIN';
  const orders = useQuery(AdminOrdersDocument, {
    variables: { first: 20, ...(status ? { filter: { status } } : {}) },
    skip: !isAdmin,
    fetchPolicy: 'cache-and-network',
  });
  const low = useQuery(LowStockDocument, { variables: { threshold, first: 20 }, skip: !isAdmin, fetchPolicy: 'cache-and-network' });
  if (!isAdmin)
    return (
      <section>
        <h1>Admin desk</h1>
        <p>
          This desk is for administrators. <Link to="/signin?next=/admin">Sign in</Link> with an admin account.
        </p>
      </section>
    );
  const conn = orders.data?.orders;
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin desk</h1>
      <h2 id="orders-heading">Orders</h2>
      <div className="field-row inline">
        <label htmlFor="status-filter">Status</label>
        <select id="status-filter" value={status} onChange={(e) => setStatus(e.target.value as OrderStatus | '')}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace('_', ' ').toLowerCase()}
            </option>
          ))}
        </select>
        <button type="button" className="secondary" onClick={() => void orders.refetch()}>
          Refresh
        </button>
      </div>
      <Errors error={orders.error} />
      <p role="status" aria-live="polite" data-testid="desk-notice">
        {notice}
      </p>
      {!conn && orders.loading ? <Loading /> : null}
      {conn ? (
        <table className="lines" aria-labelledby="orders-heading">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Customer</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {conn.edges.map(({ node: o }) => (
              <tr key={o.id} data-order={o.number}>
                <td>
                  <Link to={`/orders/${o.id}`}>{o.number}</Link>
                </td>
                <td>{o.customer.name}</td>
                <td>{new Date(o.createdAt).toLocaleString()}</td>
                <td>
                  <Status status={o.status} />
                </td>
                <td>{o.total.formatted}</td>
                <td>{o.status === 'CONFIRMED' ? <ShipForm
                      orderId={o.id}
                      number={o.number}
                      onDone={(message) => {
                        setNotice(message);
                        void orders.refetch();
                      }}
                    /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="muted">{conn ? `${conn.totalCount} orders` : null}</p>
      <h2 id="low-heading">Low stock</h2>
      <div className="field-row inline">
        <label htmlFor="threshold">At most</label>
        <input id="threshold" type="number" min={0} value={threshold} onChange={(e) => setThreshold(Math.max(0, Number(e.target.value) || 0))} />
      </div>
      <Errors error={low.error} />
      {low.data ? (
        low.data.lowStock.edges.length === 0 ? (
          <p>Nothing at or under {threshold} available.</p>
        ) : (
          <table className="lines" aria-labelledby="low-heading">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">SKU</th>
                <th scope="col">Available</th>
                <th scope="col">On hand</th>
                <th scope="col">Reserved</th>
              </tr>
            </thead>
            <tbody>
              {low.data.lowStock.edges.map(({ node: p }) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td>{p.sku}</td>
                  <td>{p.stock?.available ?? '?'}</td>
                  <td>{p.stock?.onHand ?? '?'}</td>
                  <td>{p.stock?.reserved ?? '?'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  );
}
