/**
 * The status a post's header shows, from the post and its targets together: a post still
 * `scheduled` whose targets are already being tried says so ("retrying on 2 of 2 channels"), and a
 * time already past is "due", not "scheduled for … 3 seconds ago".
 */
export type HeadlineInput = {
  status: string;
  scheduledAt: string | null;
  publishedAt: string | null;
  targets: { status: string; nextAttemptAt?: string | null }[];
};

export type Headline = { badge: string; text: string; at: string | null };

/** Target states that mean publishing has started, most pressing first. */
const IN_PROGRESS = ['waiting_reauth', 'retrying', 'deferred', 'publishing'] as const;

const phrases: Record<(typeof IN_PROGRESS)[number], string> = {
  waiting_reauth: 'waiting for a reconnect on',
  retrying: 'retrying on',
  deferred: 'rate limited, waiting on',
  publishing: 'publishing to',
};

export function postHeadline(post: HeadlineInput, now = Date.now()): Headline {
  if (post.publishedAt) return { badge: post.status, text: 'Published', at: post.publishedAt };
  if (post.status === 'scheduled' || post.status === 'publishing') {
    for (const state of IN_PROGRESS) {
      const count = post.targets.filter((t) => t.status === state).length;
      if (count > 0) {
        const total = post.targets.length;
        const plural = total === 1 ? 'channel' : 'channels';
        return { badge: state, text: `${phrases[state]} ${count} of ${total} ${plural}`, at: null };
      }
    }
    if (post.scheduledAt && Date.parse(post.scheduledAt) <= now) {
      return {
        badge: 'publishing',
        text: 'Due now, waiting for a worker; was scheduled for',
        at: post.scheduledAt,
      };
    }
  }
  if (post.scheduledAt) return { badge: post.status, text: 'Scheduled for', at: post.scheduledAt };
  return { badge: post.status, text: 'Created', at: null };
}
