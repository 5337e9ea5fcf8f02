/**
 * Reads an image's pixel size from its header, for the four image formats Herald accepts. Only the
 * first bytes (or, for JPEG, the markers before the first frame) are read; the pixels never are.
 */
export type Size = { width: number; height: number };

const ascii = (data: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...data.subarray(at, at + length));

function pngSize(data: Uint8Array, view: DataView): Size | null {
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height as big-endian u32.
  if (data.length < 24 || ascii(data, 12, 4) !== 'IHDR') return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function gifSize(data: Uint8Array, view: DataView): Size | null {
  // "GIF87a"/"GIF89a", then the logical screen's width and height as little-endian u16.
  if (data.length < 10) return null;
  return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
}

/** Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not. */
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpegSize(data: Uint8Array, view: DataView): Size | null {
  let at = 2; // after SOI (FF D8)
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1]!;
    // Fill bytes (FF FF…) and markers without a length (TEM, RSTn) are skipped one at a time.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan: no frame seen
    const length = view.getUint16(at + 2);
    if (isStartOfFrame(marker)) {
      // Segment: length (2), precision (1), height (2), width (2).
      if (at + 9 > data.length) return null;
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return null;
}

function webpSize(data: Uint8Array, view: DataView): Size | null {
  // "RIFF" size "WEBP", then the first chunk says which of the three encodings this is.
  if (data.length < 30) return null;
  const chunk = ascii(data, 12, 4);
  if (chunk === 'VP8 ') {
    // Lossy: a key frame's start code 9D 01 2A, then 14-bit width and height.
    if (data[23] !== 0x9d || data[24] !== 0x01 || data[25] !== 0x2a) return null;
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2F, then width-1 and height-1 as 14-bit fields packed little-endian.
    if (data[20] !== 0x2f) return null;
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    // Extended: canvas width-1 and height-1 as 24-bit little-endian fields.
    const u24 = (at: number) => data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
    return { width: u24(24) + 1, height: u24(27) + 1 };
  }
  return null;
}

/** The size of a JPEG, PNG, GIF or WebP image, or null when its header cannot be read. */
export function readImageSize(data: Uint8Array, mimeType: string): Size | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let size: Size | null;
  switch (mimeType) {
    case 'image/png':
      size = pngSize(data, view);
      break;
    case 'image/gif':
      size = gifSize(data, view);
      break;
    case 'image/jpeg':
      size = jpegSize(data, view);
      break;
    case 'image/webp':
      size = webpSize(data, view);
      break;
    default:
      size = null;
  }
  return size && size.width > 0 && size.height > 0 ? size : null;
}
