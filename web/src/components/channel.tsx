/** Channel identity: a stable colour per channel, an avatar, and the platform's name. */
import type { Channel } from '../api/types';

const palette = ['#4f46e5', '#0e9384', '#c4320a', '#6927da', '#0086c9', '#c11574', '#4d7c0f', '#b54708'];

const order = new Map<string, number>();

/**
 * Gives the workspace's channels their colours in list order, so the first eight are all different.
 * Called whenever the channel list is fetched.
 */
export function assignChannelColors(channelIds: string[]): void {
  for (const [index, id] of channelIds.entries()) order.set(id, index);
}

/** The same colour for a channel everywhere (calendar, legend, avatars). */
export function channelColor(channelId: string): string {
  const index = order.get(channelId);
  if (index !== undefined) return palette[index % palette.length]!;
  let hash = 0;
  for (const char of channelId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return palette[hash % palette.length] ?? palette[0]!;
}

export function platformName(platform: string): string {
  const names: Record<string, string> = {
    sandbox: 'Sandbox',
    x: 'X',
    twitter: 'X',
    bluesky: 'Bluesky',
    mastodon: 'Mastodon',
    linkedin: 'LinkedIn',
    facebook: 'Facebook',
    instagram: 'Instagram',
    threads: 'Threads',
  };
  return names[platform] ?? platform.charAt(0).toUpperCase() + platform.slice(1);
}

export function ChannelAvatar({
  channel,
  size,
}: {
  channel: Pick<Channel, 'id' | 'name' | 'avatarUrl'>;
  size?: 'sm' | 'lg';
}) {
  const initials = channel.name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <span
      className={['avatar', size && `avatar-${size}`].filter(Boolean).join(' ')}
      style={{ background: channelColor(channel.id) }}
      aria-hidden="true"
    >
      {channel.avatarUrl ? <img src={channel.avatarUrl} alt="" /> : initials}
    </span>
  );
}

export function channelHandle(channel: Pick<Channel, 'username' | 'platform'>): string {
  return channel.username ? `@${channel.username}` : platformName(channel.platform);
}

/** Where the sandbox network shows a sandbox account's posts. */
export function sandboxFeedUrl(channel: Pick<Channel, 'platform' | 'username'>): string | null {
  return channel.platform === 'sandbox' && channel.username ? `/sandbox/@${channel.username}` : null;
}
