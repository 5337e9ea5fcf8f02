/**
 * Engagement numbers for sandbox posts. Deterministic: a function of the post id's hash and its age
 * in whole minutes by `deps.clock`, so tests can move time and analytics see the numbers grow.
 * Growth is logarithmic: quick in the first hour, slowing over days, never decreasing.
 */
import { sha256 } from '../crypto/hashing.ts';

export type Metrics = { likes: number; comments: number; shares: number; impressions: number };

export function metricsAt(options: {
  postId: string;
  createdAt: Date;
  now: Date;
  /** The account's `timeScale` knob: how many times faster than real time its posts age. */
  timeScale?: number;
}): Metrics {
  const elapsed = (options.now.getTime() - options.createdAt.getTime()) * (options.timeScale ?? 1);
  const minutes = Math.max(0, Math.floor(elapsed / 60_000));
  const h = Number.parseInt(sha256(options.postId).slice(0, 8), 16);
  const reach = 3 + (h % 17);
  const likeRate = 2 + ((h >>> 8) % 7);
  const impressions = Math.floor(reach * 30 * Math.log2(1 + minutes / 10));
  const likes = Math.floor((impressions * likeRate) / 100);
  return {
    likes,
    comments: Math.floor((likes * (1 + ((h >>> 16) % 3))) / 10),
    shares: Math.floor((likes * (1 + ((h >>> 20) % 4))) / 12),
    impressions,
  };
}
