/**
 * Helpers for the media and stats tests: members with API tokens (through the shared factories),
 * multipart bodies, and tiny but valid image and video files built byte by byte.
 */
import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Role } from '../../src/db/schema.ts';
import { addMemberTo, bearer, newUser, newWorkspace, tokenFor } from '../support/factories.ts';
import type { TestHerald } from '../support/harness.ts';

export type Member = {
  userId: string;
  workspaceId: string;
  token: string;
  headers: { authorization: string };
};

/** A user with a role in a workspace (a new one, which they own, unless given) and an API token. */
export async function newMember(
  herald: TestHerald,
  options: { role?: Role; workspaceId?: string } = {},
): Promise<Member> {
  const { deps } = herald;
  const user = await newUser(deps);
  let workspaceId = options.workspaceId;
  if (workspaceId) await addMemberTo(deps, { workspaceId, userId: user.id, role: options.role ?? 'admin' });
  else workspaceId = (await newWorkspace(deps, { owner: user.id })).id;
  const token = await tokenFor(deps, user.id);
  return { userId: user.id, workspaceId, token, headers: bearer(token) };
}

type Part =
  { name: string; value: string } | { name: string; filename: string; contentType: string; data: Uint8Array };

/** A multipart/form-data body for `app.inject`. */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----herald-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ('data' in part) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
            `Content-Type: ${part.contentType}\r\n\r\n`,
        ),
        Buffer.from(part.data),
      );
    } else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}`));
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of the given size, every pixel of one colour (`seed` varies the colour). */
export function png(width: number, height: number, seed = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, seed & 0xff)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A valid baseline grayscale JPEG of the given size (up to 8x8), mid-grey: one quantisation table,
 * one-symbol Huffman tables (DC category 0, AC end-of-block), and a single block coded as "00".
 */
export function jpeg(width: number, height: number): Buffer {
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  return Buffer.from([
    0xff,
    0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF
    ...segment(0xdb, [0x00, ...Array(64).fill(1)]), // DQT 0
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]), // SOF0
    ...segment(0xc4, [0x00, 1, ...Array(15).fill(0), 0x00]), // DHT DC 0: one code of length 1 -> 0
    ...segment(0xc4, [0x10, 1, ...Array(15).fill(0), 0x00]), // DHT AC 0: one code of length 1 -> EOB
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS
    0x3f, // DC "0", EOB "0", padded with ones
    0xff,
    0xd9,
  ]);
}

/** The classic 1x1 transparent GIF. */
export const gif1x1 = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** A 1x1 lossless WebP. */
export const webp1x1 = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');

function box(type: string, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(body.length + 8);
  header.write(type, 4, 'ascii');
  return Buffer.concat([header, body]);
}

/** An MP4 skeleton (ftyp + moov with mvhd and one video tkhd): enough to detect and measure. */
export function mp4(options: { width: number; height: number; seconds: number; rotated?: boolean }): Buffer {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(options.seconds * 1000, 16); // duration
  const tkhd = Buffer.alloc(84);
  const matrix = 40;
  if (options.rotated) {
    tkhd.writeInt32BE(0x10000, matrix + 4);
    tkhd.writeInt32BE(-0x10000, matrix + 12);
  } else {
    tkhd.writeInt32BE(0x10000, matrix);
    tkhd.writeInt32BE(0x10000, matrix + 16);
  }
  tkhd.writeInt32BE(0x40000000, matrix + 32);
  tkhd.writeUInt32BE(options.width * 65536, 76);
  tkhd.writeUInt32BE(options.height * 65536, 80);
  const ftyp = box('ftyp', Buffer.from('isom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41'));
  return Buffer.concat([
    ftyp,
    box('moov', box('mvhd', mvhd), box('trak', box('tkhd', tkhd))),
    box('mdat', Buffer.alloc(16)),
  ]);
}
