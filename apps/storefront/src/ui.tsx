// Shared bits: error lists (payload `errors { code message field }` and GraphQL errors with
// extensions.code), form fields with labels, the status badge.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import type { ErrorLike } from '@apollo/client';
import type { InputHTMLAttributes, ReactNode } from 'react';
import { useId, useState } from 'react';

export interface UserErrorLike {
  code: string;
  message: string;
  field?: readonly string[] | null;
}

/** The errors of a payload and of the request, as one alert list (nothing when there are none). */
export function Errors({ errors, error }: { errors?: readonly UserErrorLike[] | null; error?: ErrorLike | null }) {
  const items: UserErrorLike[] = [...(errors ?? [])];
  if (error) {
    if (CombinedGraphQLErrors.is(error)) {
      for (const e of error.errors) items.push({ code: String(e.extensions?.code ?? 'ERROR'), message: e.message });
    } else if (ServerError.is(error)) {
      items.push({ code: `HTTP_${error.statusCode}`, message: 'The shop did not answer as expected. Try again.' });
    } else {
      items.push({ code: 'NETWORK', message: error.message || 'The shop could not be reached.' });
    }
  }
  if (items.length === 0) return null;
  return (
    <div role="alert" className="errors">
      <ul>
        {items.map((e, i) => (
          <li key={i} data-code={e.code}>
            <strong>{e.code}</strong>: {e.message}
            {e.field?.length ? <span className="field"> ({e.field.join('.')})</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Field({ label, hint, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string }) {
  const id = useId();
  return (
    <div className="field-row">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

export function Status({ status }: { status: string }) {
  return (
    <span className={`status status-${status.toLowerCase()}`} data-testid="order-status">
      {status.replace('_', ' ')}
    </span>
  );
}

export function Loading({ children = 'Loading…' }: { children?: ReactNode }) {
  return (
    <p role="status" aria-live="polite" className="muted">
      {children}
    </p>
  );
}

export function Stars({ average, count }: { average: number | null; count: number }) {
  if (!count || average === null) return <span className="muted">No reviews yet</span>;
  return (
    <span className="stars" aria-label={`Rated ${average.toFixed(1)} out of 5 by ${count} reviewers`}>
      {'★'.repeat(Math.round(average))}
      {'☆'.repeat(5 - Math.round(average))} <span className="muted">({count})</span>
    </span>
  );
}

/** A product image; a placeholder when there is none or it cannot be loaded. */
export function ProductImage({ src, alt, width, height, big }: { src?: string; alt: string; width: number; height: number; big?: boolean }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) return <div className={`img-placeholder${big ? ' big' : ''}`} role={alt ? 'img' : undefined} aria-label={alt || undefined} aria-hidden={alt ? undefined : true} />;
  return <img src={src} alt={alt} loading="lazy" width={width} height={height} onError={() => setFailed(true)} />;
}
