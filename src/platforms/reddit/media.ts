/**
 * Images for Reddit `image` posts. Reddit documents no upload API; its own clients (and postiz)
 * lease an upload slot with `POST /api/media/asset.json` (`filepath`, `mimetype`), which answers
 * an S3 form-POST target (`args.action`, protocol-relative, and `args.fields`). Herald posts the
 * file there with those fields and submits the `Location` the store answers as the post's `url`.
 */
import { z } from 'zod';
import { type AdapterContext, type MediaItem, PlatformError } from '../types.ts';
import { apiUrl, call } from './api.ts';

const lease = z.object({
  args: z.object({ action: z.string(), fields: z.array(z.object({ name: z.string(), value: z.string() })) }),
  asset: z.object({ asset_id: z.string(), websocket_url: z.string().optional() }),
});

export async function uploadImage(ctx: AdapterContext, token: string, item: MediaItem): Promise<string> {
  const filepath = `${item.id}.${item.mimeType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'img'}`;
  const { data } = await call(ctx, lease, {
    what: 'lease image upload',
    url: '/api/media/asset.json',
    token,
    form: { filepath, mimetype: item.mimeType },
  });
  // `//reddit-uploaded-media.s3-accelerate.amazonaws.com`: the scheme is the API's.
  const target = new URL(data.args.action, apiUrl(ctx)).toString();
  const form = new FormData();
  for (const field of data.args.fields) form.set(field.name, field.value);
  form.set('file', new Blob([new Uint8Array(await item.read())], { type: item.mimeType }), filepath);
  const stored = await call(ctx, null, { what: 'upload image', method: 'POST', url: target, body: form });
  const location = /<Location>([^<]+)<\/Location>/.exec(stored.text)?.[1];
  if (!location) {
    throw new PlatformError({
      kind: 'transient',
      message: 'upload image: the media store answered without a Location',
    });
  }
  return decodeXml(location);
}

const decodeXml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'");
