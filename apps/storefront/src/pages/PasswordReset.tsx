import { useState, type FormEvent } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { RequestPasswordResetDocument, ResetPasswordDocument } from '../gql/graphql';
import { Link, navigate, useLocation } from '../router';
import { setSession } from '../session';
import { Errors, Field } from '../ui';

/** /forgot-password: ask for a link. /reset-password?token=…: the emailed link's page. */
export default function PasswordResetPage({ mode }: { mode: 'request' | 'reset' }) {
  const { query } = useLocation();
  const token = query.get('token') ?? '';
  const client = useApolloClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [request, requestState] = useMutation(RequestPasswordResetDocument);
  const [reset, resetState] = useMutation(ResetPasswordDocument);

  if (mode === 'request') {
    const onSubmit = async (e: FormEvent) => {
      e.preventDefault();
      await request({ variables: { email } }).catch(() => undefined);
    };
    return (
      <section className="narrow" aria-labelledby="forgot-title">
        <h1 id="forgot-title">Forgot your password?</h1>
        {requestState.data?.requestPasswordReset ? (
          <p role="status">If an account uses {email}, a link to choose a new password is on its way. It works once, for 30 minutes.</p>
        ) : (
          <form onSubmit={onSubmit}>
            <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            <Errors error={requestState.error} />
            <button type="submit" disabled={requestState.loading}>
              Send me a link
            </button>
          </form>
        )}
      </section>
    );
  }

  const payload = resetState.data?.resetPassword;
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const res = (await reset({ variables: { token, newPassword: password } }).catch(() => null))?.data?.resetPassword;
    if (res?.accessToken && res.refreshToken && res.user) {
      setSession({ accessToken: res.accessToken, refreshToken: res.refreshToken, expiresAt: res.expiresAt ?? null, user: res.user });
      await client.clearStore();
      navigate('/', { replace: true });
    }
  };
  return (
    <section className="narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      {!token ? (
        <p>
          This page needs the link from the email. <Link to="/forgot-password">Ask for a new one</Link>
        </p>
      ) : (
        <form onSubmit={onSubmit}>
          <Field label="New password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          <Errors errors={payload?.errors} error={resetState.error} />
          {payload?.errors.some((e) => e.code === 'INVALID_TOKEN') ? (
            <p>
              <Link to="/forgot-password">Ask for a new link</Link>
            </p>
          ) : null}
          <button type="submit" disabled={resetState.loading}>
            Set password and sign in
          </button>
        </form>
      )}
    </section>
  );
}
