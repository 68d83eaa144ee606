import { useQuery } from '@apollo/client/react';
import { MyOrdersDocument } from '../gql/graphql';
import { Link } from '../router';
import { useSession } from '../App';
import { Errors, Loading, Status } from '../ui';

export default function OrdersPage() {
  const session = useSession();
  const { data, loading, error, fetchMore } = useQuery(MyOrdersDocument, { variables: { first: 20 }, skip: !session, fetchPolicy: 'cache-and-network' });
  if (!session)
    return (
      <section>
        <h1>My orders</h1>
        <p>
          <Link to="/signin?next=/orders">Sign in</Link> to see your orders.
        </p>
      </section>
    );
  const conn = data?.me?.orders;
  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">My orders</h1>
      <Errors error={error} />
      {!conn && loading ? <Loading /> : null}
      {conn && conn.edges.length === 0 ? <p>No orders yet.</p> : null}
      {conn && conn.edges.length > 0 ? (
        <table className="lines">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {conn.edges.map(({ node: o }) => (
              <tr key={o.id}>
                <td>
                  <Link to={`/orders/${o.id}`}>{o.number}</Link>
                </td>
                <td>{new Date(o.createdAt).toLocaleString()}</td>
                <td>
                  <Status status={o.status} />
                </td>
                <td>{o.total.formatted}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {conn?.pageInfo.hasNextPage ? (
        <button type="button" onClick={() => void fetchMore({ variables: { after: conn.pageInfo.endCursor } })}>
          Older orders
        </button>
      ) : null}
    </section>
  );
}
