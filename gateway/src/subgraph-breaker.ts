/** Where a subgraph's circuit breaker stands. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures (errors or timeouts) that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe call may go through. */
  resetMs: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
  /** Called on every state change. */
  onStateChange?: (from: BreakerState, to: BreakerState, consecutiveFailures: number) => void;
}

/** Permission for one call: settle it with `succeeded()` or `failed()` exactly once. */
export interface BreakerPermit {
  /** True when this call is the half-open probe: its outcome closes or re-opens the circuit. */
  readonly probe: boolean;
  succeeded(): void;
  failed(): void;
}

/**
 * A circuit breaker for one subgraph. Closed: every call goes through; `failureThreshold`
 * consecutive failures open it. Open: calls are refused at once (no socket, no deadline to wait
 * for) until `resetMs` has passed; then the next call is let through as the only probe
 * (half-open) while the others are still refused. The probe's success closes the circuit, its
 * failure opens it for another `resetMs`. Outcomes of calls let through before the circuit
 * opened do not move it (only the probe decides when it is not closed).
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    if (!(options.failureThreshold >= 1)) throw new Error('failureThreshold must be at least 1');
    if (!(options.resetMs >= 0)) throw new Error('resetMs must be 0 or more');
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Consecutive failures seen while closed (reset by a success). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  retryInMs(): number {
    return this.current === 'open' ? Math.max(0, this.openedAt + this.options.resetMs - this.now()) : 0;
  }

  /** A permit for one call, or null when the call must not be made now. */
  acquire(): BreakerPermit | null {
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.resetMs) return null;
      this.transition('half_open');
    }
    if (this.current === 'half_open') {
      if (this.probing) return null;
      this.probing = true;
      return this.permit(true);
    }
    return this.permit(false);
  }

  private permit(probe: boolean): BreakerPermit {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      if (probe) {
        this.probing = false;
        if (ok) {
          this.failures = 0;
          this.transition('closed');
        } else {
          this.open();
        }
        return;
      }
      if (this.current !== 'closed') return;
      if (ok) {
        this.failures = 0;
        return;
      }
      this.failures += 1;
      if (this.failures >= this.options.failureThreshold) this.open();
    };
    return { probe, succeeded: () => settle(true), failed: () => settle(false) };
  }

  private open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.options.onStateChange?.(from, to, this.failures);
  }
}
