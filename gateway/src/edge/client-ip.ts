import type http from 'node:http';

/**
 * The client's address behind `trustedProxies` reverse proxies (Express's `trust proxy` hop
 * count): the socket's peer with 0, else the X-Forwarded-For entry that the farthest trusted
 * proxy received the request from. Entries a client adds itself sit further left and are ignored.
 */
export function clientIpOf(request: http.IncomingMessage, trustedProxies: number): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Nearest first: the peer, then X-Forwarded-For from right to left.
  const chain = [peer, ...forwarded.reverse()];
  return chain[Math.min(trustedProxies, chain.length - 1)];
}
