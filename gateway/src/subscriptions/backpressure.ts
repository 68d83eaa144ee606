/** How much undelivered output one socket may hold before it is treated as a slow consumer. */
export interface SendQueueLimits {
  /** Messages accepted for the socket's subscriptions but not yet handed to the socket. */
  maxPendingMessages: number;
  /** Bytes the socket has buffered and not yet written to the network (`ws.bufferedAmount`). */
  maxBufferedBytes: number;
}

export interface SendQueueState {
  pendingMessages: number;
  bufferedBytes: number;
}

/** Close code and reason for a client that cannot keep up (4008, in graphql-ws's 4xxx range; the client may retry). */
export const SLOW_CONSUMER = { code: 4008, reason: 'Slow consumer: too many undelivered messages' } as const;

/**
 * The send-queue policy: null while the socket keeps up; otherwise why it must be closed.
 * Only this socket is closed; its messages are never dropped silently (a subscriber either
 * gets every version or is disconnected and resubscribes from the current state).
 */
export function sendQueueVerdict(state: SendQueueState, limits: SendQueueLimits): string | null {
  if (state.pendingMessages > limits.maxPendingMessages) {
    return `${state.pendingMessages} messages waiting (limit ${limits.maxPendingMessages})`;
  }
  if (state.bufferedBytes > limits.maxBufferedBytes) {
    return `${state.bufferedBytes} bytes buffered (limit ${limits.maxBufferedBytes})`;
  }
  return null;
}
