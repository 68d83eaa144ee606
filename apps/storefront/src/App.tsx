import { lazy, Suspense, useSyncExternalStore, type ReactNode } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { Link, navigate, useLocation } from './router';
import { getSession, onSessionChange, setSession } from './session';
import { SignOutDocument } from './gql/graphql';
import { Loading } from './ui';
import { CatalogPage } from './pages/Catalog';

// The catalog is in the first bundle; every other page is a chunk of its own, loaded on navigation.
const ProductPage = lazy(() => import('./pages/Product'));
const CartPage = lazy(() => import('./pages/Cart'));
const CheckoutPage = lazy(() => import('./pages/Checkout'));
const SignInPage = lazy(() => import('./pages/SignIn'));
const OrdersPage = lazy(() => import('./pages/Orders'));
const OrderPage = lazy(() => import('./pages/Order'));
const AdminPage = lazy(() => import('./pages/Admin'));
const PasswordResetPage = lazy(() => import('./pages/PasswordReset'));

export function useSession() {
  return useSyncExternalStore(onSessionChange, getSession);
}

function route(path: string): ReactNode {
  let m: RegExpExecArray | null;
  if (path === '/') return <CatalogPage />;
  if ((m = /^\/products\/([^/]+)$/.exec(path))) return <ProductPage slug={decodeURIComponent(m[1])} />;
  if (path === '/cart') return <CartPage />;
  if (path === '/checkout') return <CheckoutPage />;
  if (path === '/signin') return <SignInPage mode="signin" />;
  if (path === '/register') return <SignInPage mode="register" />;
  if (path === '/orders') return <OrdersPage />;
  if ((m = /^\/orders\/([^/]+)$/.exec(path))) return <OrderPage id={decodeURIComponent(m[1])} />;
  if (path === '/admin') return <AdminPage />;
  if (path === '/forgot-password') return <PasswordResetPage mode="request" />;
  if (path === '/reset-password') return <PasswordResetPage mode="reset" />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Back to the catalog</Link>
      </p>
    </section>
  );
}

function Header() {
  const session = useSession();
  const client = useApolloClient();
  const [signOut] = useMutation(SignOutDocument);
  const onSignOut = async () => {
    const refreshToken = session?.refreshToken;
    setSession(null);
    if (refreshToken) await signOut({ variables: { refreshToken } }).catch(() => undefined);
    (await import('./live')).resetLive();
    await client.clearStore();
    navigate('/');
  };
  return (
    <header className="site-header">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Link to="/" className="brand">
        Shopgraph
      </Link>
      <nav aria-label="Main">
        <ul>
          <li>
            <Link to="/">Catalog</Link>
          </li>
          <li>
            <Link to="/cart">Cart</Link>
          </li>
          {session ? (
            <>
              <li>
                <Link to="/orders">My orders</Link>
              </li>
              {session.user.role === 'ADMIN' ? (
                <li>
                  <Link to="/admin">Admin desk</Link>
                </li>
              ) : null}
              <li>
                <span className="muted" data-testid="signed-in-as">
                  {session.user.name}
                </span>{' '}
                <button type="button" className="link" onClick={onSignOut}>
                  Sign out
                </button>
              </li>
            </>
          ) : (
            <>
              <li>
                <Link to="/signin">Sign in</Link>
              </li>
              <li>
                <Link to="/register">Register</Link>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

export function App() {
  const { path } = useLocation();
  return (
    <>
      <Header />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{route(path)}</Suspense>
      </main>
      <footer className="site-footer muted">Shopgraph storefront — every page here is a GraphQL client of the supergraph.</footer>
    </>
  );
}
