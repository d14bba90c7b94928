/**
 * The lifetime of an allowance (allowance.ts) and of a leaky bucket's outflow share (shared-leaky-bucket.ts), and the
 * length of the epochs shares are granted in: what a gateway holds is invisible to the others for at most this long.
 */
export const ALLOWANCE_MS = 100;
