import type { Deps } from '../../deps.ts';
import { fetchRemoteMedia } from './fetch-remote-media.ts';
import { type MediaRow, storeMedia } from './store-media.ts';

export type ImportMediaFromUrlOptions = {
  workspaceId: string;
  uploadedBy: string | null;
  url: string;
  altText: string | null;
};

/** Fetches a file from a URL (see fetch-remote-media.ts for what is refused) and stores it as media. */
export async function importMediaFromUrl(deps: Deps, options: ImportMediaFromUrlOptions): Promise<MediaRow> {
  const remote = await fetchRemoteMedia(deps, { url: options.url });
  return storeMedia(deps, {
    workspaceId: options.workspaceId,
    uploadedBy: options.uploadedBy,
    data: remote.data,
    originalName: remote.filename,
    altText: options.altText,
    sourceUrl: options.url,
  });
}
