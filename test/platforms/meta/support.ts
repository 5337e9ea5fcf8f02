/** Helpers shared by the Meta adapter tests (Threads, Instagram, Facebook). */
import { randomBytes } from 'node:crypto';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  type PlatformAdapter,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';

export const REDIRECT = 'http://127.0.0.1:9/oauth/callback';

/** A 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
  'base64',
);

export function mediaItem(overrides: Partial<MediaItem> & { bytes?: Uint8Array } = {}): MediaItem {
  const bytes = overrides.bytes ?? new Uint8Array(PNG);
  return {
    id: `m-${randomBytes(4).toString('hex')}`,
    kind: 'image',
    mimeType: 'image/jpeg',
    sizeBytes: bytes.byteLength,
    altText: null,
    width: 1080,
    height: 1080,
    durationSeconds: null,
    publicUrl: null,
    read: async () => bytes,
    ...overrides,
  };
}

let counter = 0;
export function request(
  channel: PublishRequest['channel'],
  overrides: Partial<PublishRequest> = {},
): PublishRequest {
  counter++;
  return {
    idempotencyKey: `key-${counter}`,
    channel,
    text: `Hello from Herald #${counter}`,
    title: null,
    media: [],
    options: {},
    state: null,
    ...overrides,
  };
}

export async function caught(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error('expected a PlatformError');
}

/** Runs publish the way the engine does: again with the saved state after each `pending`. */
export async function publishUntilDone(
  adapter: PlatformAdapter,
  ctx: AdapterContext,
  credentials: Credentials,
  req: PublishRequest,
): Promise<{ outcome: Extract<PublishOutcome, { status: 'published' }>; seen: PublishOutcome[] }> {
  const seen: PublishOutcome[] = [];
  let state: Record<string, unknown> | null = req.state;
  for (let i = 0; i < 20; i++) {
    const outcome = await adapter.publish(ctx, credentials, { ...req, state });
    seen.push(outcome);
    if (outcome.status === 'published') return { outcome, seen };
    state = { ...outcome.state, pending: true };
  }
  throw new Error('publish never finished');
}

export function published(outcome: PublishOutcome): Extract<PublishOutcome, { status: 'published' }> {
  if (outcome.status !== 'published') throw new Error(`expected published, got ${JSON.stringify(outcome)}`);
  return outcome;
}

export function pending(outcome: PublishOutcome): Extract<PublishOutcome, { status: 'pending' }> {
  if (outcome.status !== 'pending') throw new Error(`expected pending, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** Follows the consent redirect the way a browser would and returns the callback's query. */
export async function consent(authorizeUrl: string): Promise<URLSearchParams> {
  const response = await fetch(authorizeUrl, { redirect: 'manual' });
  if (response.status !== 302)
    throw new Error(`consent answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location')!).searchParams;
}
