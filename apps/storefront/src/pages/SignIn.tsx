import { useRef, useState, type FormEvent } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { MergeGuestCartDocument, RegisterDocument, SignInDocument } from '../gql/graphql';
import { Link, navigate, useFocusHeading, useLocation } from '../router';
import { getGuestCartId, setGuestCartId, setSession } from '../session';
import { Errors, Field } from '../ui';

export default function SignInPage({ mode }: { mode: 'signin' | 'register' }) {
  const { query } = useLocation();
  const next = query.get('next') ?? '/';
  const client = useApolloClient();
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [signIn, signInState] = useMutation(SignInDocument);
  const [register, registerState] = useMutation(RegisterDocument);
  const [merge] = useMutation(MergeGuestCartDocument);
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusHeading(heading, mode);
  const state = mode === 'signin' ? signInState : registerState;
  const payload = mode === 'signin' ? signInState.data?.login : registerState.data?.register;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const res =
      mode === 'signin'
        ? (await signIn({ variables: { input: { email: form.email, password: form.password } } }).catch(() => null))?.data?.login
        : (await register({ variables: { input: form } }).catch(() => null))?.data?.register;
    if (res?.accessToken && res.refreshToken && res.user) {
      setSession({ accessToken: res.accessToken, refreshToken: res.refreshToken, expiresAt: res.expiresAt ?? null, user: res.user });
      // Everything cached belonged to the previous viewer (or to nobody).
      await client.clearStore();
      // What the guest put in the cart joins the account's cart (the guest cart is gone after).
      const guestCartId = getGuestCartId();
      if (guestCartId) {
        await merge({ variables: { cartId: guestCartId } }).catch(() => undefined);
        setGuestCartId(null);
      }
      navigate(next.startsWith('/') ? next : '/', { replace: true });
    }
  };
  return (
    <section className="narrow" aria-labelledby="auth-title">
      <h1 id="auth-title" tabIndex={-1} ref={heading}>
        {mode === 'signin' ? 'Sign in' : 'Create an account'}
      </h1>
      <form onSubmit={onSubmit}>
        {mode === 'register' ? <Field label="Name" autoComplete="name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /> : null}
        <Field label="Email" type="email" autoComplete="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <Field
          label="Password"
          type="password"
          autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          required
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
        <Errors errors={payload?.errors} error={state.error} />
        <button type="submit" disabled={state.loading}>
          {mode === 'signin' ? 'Sign in' : 'Register'}
        </button>
      </form>
      <p>
        {mode === 'signin' ? (
          <>
            New here? <Link to={`/register?next=${encodeURIComponent(next)}`}>Create an account</Link> ·{' '}
            <Link to="/forgot-password">Forgot your password?</Link>
          </>
        ) : (
          <>
            Have an account? <Link to={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
          </>
        )}
      </p>
    </section>
  );
}
