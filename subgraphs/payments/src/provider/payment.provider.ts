/** A charge request: the idempotency key makes every retry of it the same charge. */
export interface ChargeRequest {
  idempotencyKey: string;
  amount: number;
  currency: string;
  /** Provider token, e.g. "tok_visa"; never a card number. */
  token: string;
  metadata: Record<string, string>;
}

/** A charge the provider made. */
export interface ProviderCharge {
  chargeId: string;
  amount: number;
  cardBrand: string | null;
  cardLast4: string | null;
}

/** What came of a charge request after the adapter's retries and reconciliation. */
export type ChargeOutcome =
  | ({ kind: 'captured' } & ProviderCharge)
  /** The card was refused (4xx): final, never retried. */
  | { kind: 'declined'; reason: string }
  /**
   * No charge could be made (5xx, timeouts, network, open breaker, invalid request). `outcomeUnknown`
   * says a charge might still have been made without our seeing it (a timeout we could not reconcile).
   */
  | { kind: 'failed'; reason: string; outcomeUnknown: boolean };

/** A reconciliation lookup's answer: the provider knows the charge, says it has none, or could not be asked. */
export type ChargeLookup = { kind: 'found'; charge: ProviderCharge } | { kind: 'absent' } | { kind: 'unknown'; reason: string };

export interface RefundRequest {
  idempotencyKey: string;
  chargeId: string;
  amount: number;
}

export type RefundOutcome =
  | { kind: 'refunded'; refundId: string }
  /** The provider refused it (4xx), e.g. more than what is left: final. */
  | { kind: 'rejected'; reason: string }
  /** Not done: `outcomeUnknown` when it might have been (retrying with the same key is safe). */
  | { kind: 'failed'; reason: string; outcomeUnknown: boolean };

/** The payment provider as the payments domain sees it; the HTTP sandbox adapter is one implementation. */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /** Reconciliation: the charge made with this idempotency key, if any. */
  findCharge(idempotencyKey: string): Promise<ChargeLookup>;
  refund(request: RefundRequest): Promise<RefundOutcome>;
  /** Releases timers and connections. */
  close(): Promise<void>;
}

/** Failure reasons the payments subgraph reports in PaymentFailed and Payment.failureReason. */
export const FailureReason = {
  /** The circuit breaker is open: the provider was not called. */
  providerUnavailable: 'provider_unavailable',
  /** The provider kept answering 5xx. */
  providerError: 'provider_error',
  /** The provider did not answer in time, and no charge was found. */
  providerTimeout: 'provider_timeout',
  /** The provider refused the request as invalid (4xx other than a decline). */
  providerRejected: 'provider_rejected',
} as const;
