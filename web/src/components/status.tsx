/** How a status looks: one colour language for posts, targets, connections and queue items. */

type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'progress';

const tones: Record<string, Tone> = {
  draft: 'neutral',
  scheduled: 'info',
  publishing: 'progress',
  retrying: 'warning',
  deferred: 'warning',
  waiting_reauth: 'warning',
  published: 'success',
  partially_published: 'warning',
  failed: 'danger',
  unknown: 'warning',
  missed: 'danger',
  cancelled: 'neutral',
  active: 'success',
  healthy: 'success',
  degraded: 'warning',
  unhealthy: 'danger',
  expired: 'danger',
  revoked: 'danger',
  error: 'danger',
  pending: 'neutral',
};

const labels: Record<string, string> = {
  deferred: 'rate limited',
  waiting_reauth: 'needs reconnect',
  partially_published: 'partly published',
  unknown: 'outcome unknown',
};

/** The colour family a status is shown in (badge-<tone>, cal-status-<tone>). */
export function statusTone(status: string): Tone {
  return tones[status] ?? 'neutral';
}

export function statusLabel(status: string): string {
  return labels[status] ?? status.replaceAll('_', ' ');
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${tones[status] ?? 'neutral'}`}>{label ?? statusLabel(status)}</span>;
}
