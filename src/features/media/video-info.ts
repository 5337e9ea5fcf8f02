/**
 * Reads an MP4 or QuickTime video's display size and duration from its `moov` box (ISO/IEC 14496-12
 * and Apple's QuickTime format share the box layout used here). WebM is EBML and is not read: its
 * size and duration are stored as unknown.
 */
export type VideoInfo = { width: number | null; height: number | null; durationSeconds: number | null };

type Box = { type: string; start: number; end: number };

/** The boxes directly inside `[from, to)`. */
function* boxes(data: Uint8Array, view: DataView, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...data.subarray(at + 4, at + 8));
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at; // runs to the end of the enclosing box
    }
    if (size < header || at + size > to) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function find(data: Uint8Array, view: DataView, parent: { start: number; end: number }, type: string) {
  for (const box of boxes(data, view, parent.start, parent.end)) if (box.type === type) return box;
  return undefined;
}

function durationOf(view: DataView, mvhd: Box): number | null {
  const version = view.getUint8(mvhd.start);
  const need = version === 1 ? 32 : 20;
  if (mvhd.start + need > mvhd.end) return null;
  const timescale = view.getUint32(mvhd.start + (version === 1 ? 20 : 12));
  const duration =
    version === 1 ? Number(view.getBigUint64(mvhd.start + 24)) : view.getUint32(mvhd.start + 16);
  if (!timescale) return null;
  return Math.round(duration / timescale);
}

function sizeOf(view: DataView, tkhd: Box): { width: number; height: number } | null {
  const version = view.getUint8(tkhd.start);
  // After version and flags: times, track id and duration (20 bytes in v0, 32 in v1), then 16 bytes
  // of reserved/layer/group/volume, the 3x3 matrix (36 bytes), and width and height as 16.16 fixed.
  const matrix = tkhd.start + 4 + (version === 1 ? 32 : 20) + 16;
  const dims = matrix + 36;
  if (dims + 8 > tkhd.end) return null;
  let width = Math.round(view.getUint32(dims) / 65536);
  let height = Math.round(view.getUint32(dims + 4) / 65536);
  // Phones store portrait video as landscape frames with a 90° rotation matrix (a = d = 0).
  if (view.getInt32(matrix) === 0 && view.getInt32(matrix + 16) === 0) [width, height] = [height, width];
  return width > 0 && height > 0 ? { width, height } : null;
}

export function readVideoInfo(data: Uint8Array, mimeType: string): VideoInfo {
  const unknown = { width: null, height: null, durationSeconds: null };
  if (mimeType !== 'video/mp4' && mimeType !== 'video/quicktime') return unknown;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const moov = find(data, view, { start: 0, end: data.length }, 'moov');
  if (!moov) return unknown;
  const mvhd = find(data, view, moov, 'mvhd');
  let size: { width: number; height: number } | null = null;
  for (const trak of boxes(data, view, moov.start, moov.end)) {
    if (trak.type !== 'trak') continue;
    const tkhd = find(data, view, trak, 'tkhd');
    size = tkhd ? sizeOf(view, tkhd) : null;
    if (size) break; // the first track with a picture; audio tracks have none
  }
  return {
    width: size?.width ?? null,
    height: size?.height ?? null,
    durationSeconds: mvhd ? durationOf(view, mvhd) : null,
  };
}
