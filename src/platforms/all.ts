/** Every platform adapter Herald ships. Add a platform by adding its module here. */
import { blueskyAdapter } from './bluesky/index.ts';
import { facebookAdapter } from './facebook/index.ts';
import { ghostAdapter } from './ghost/index.ts';
import { instagramAdapter } from './instagram/index.ts';
import { linkedinAdapter } from './linkedin/index.ts';
import { mastodonAdapter } from './mastodon/index.ts';
import { redditAdapter } from './reddit/index.ts';
import { sandboxAdapter } from './sandbox/index.ts';
import { threadsAdapter } from './threads/index.ts';
import { tiktokAdapter } from './tiktok/index.ts';
import type { PlatformAdapter } from './types.ts';
import { xAdapter } from './x/index.ts';
import { youtubeAdapter } from './youtube/index.ts';

export const allAdapters: PlatformAdapter[] = [
  sandboxAdapter,
  xAdapter,
  mastodonAdapter,
  threadsAdapter,
  blueskyAdapter,
  facebookAdapter,
  instagramAdapter,
  ghostAdapter,
  redditAdapter,
  linkedinAdapter,
  youtubeAdapter,
  tiktokAdapter,
];
