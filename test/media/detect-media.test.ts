import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { refusedAddressReason } from '../../src/features/media/address-policy.ts';
import { detectMedia } from '../../src/features/media/detect-media.ts';
import { gif1x1, jpeg, mp4, png, webp1x1 } from './support.ts';

describe('detectMedia', () => {
  it('reads type and size from PNG, JPEG, GIF and WebP content', async () => {
    expect(await detectMedia(png(3, 2))).toMatchObject({
      kind: 'image',
      mimeType: 'image/png',
      width: 3,
      height: 2,
    });
    expect(await detectMedia(jpeg(5, 3))).toMatchObject({
      kind: 'image',
      mimeType: 'image/jpeg',
      width: 5,
      height: 3,
    });
    expect(await detectMedia(gif1x1)).toMatchObject({
      kind: 'gif',
      mimeType: 'image/gif',
      width: 1,
      height: 1,
    });
    expect(await detectMedia(webp1x1)).toMatchObject({
      kind: 'image',
      mimeType: 'image/webp',
      width: 1,
      height: 1,
    });
  });

  it('reads display size and duration from an MP4, honouring a 90° rotation', async () => {
    expect(await detectMedia(mp4({ width: 1920, height: 1080, seconds: 12 }))).toEqual({
      kind: 'video',
      mimeType: 'video/mp4',
      width: 1920,
      height: 1080,
      durationSeconds: 12,
    });
    expect(await detectMedia(mp4({ width: 1920, height: 1080, seconds: 3, rotated: true }))).toMatchObject({
      width: 1080,
      height: 1920,
    });
  });

  it('refuses other content, naming what it is', async () => {
    const text = detectMedia(Buffer.from('#!/bin/sh\necho not an image\n'));
    await expect(text).rejects.toBeInstanceOf(AppError);
    await expect(text).rejects.toMatchObject({ code: 'unsupported_media_type' });
    const pdf = detectMedia(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'));
    await expect(pdf).rejects.toMatchObject({
      code: 'unsupported_media_type',
      details: { detectedType: 'application/pdf' },
    });
  });
});

describe('refusedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'a loopback'],
    ['10.1.2.3', 'a private'],
    ['172.20.0.1', 'a private'],
    ['192.168.1.1', 'a private'],
    ['169.254.169.254', 'a link-local'],
    ['100.100.0.1', 'a carrier-grade NAT'],
    ['0.0.0.0', 'an unspecified'],
    ['224.0.0.1', 'a multicast'],
    ['::1', 'a loopback'],
    ['::', 'an unspecified'],
    ['fd00::1', 'a private (unique-local)'],
    ['fe80::1', 'a link-local'],
    ['ff02::1', 'a multicast'],
    ['::ffff:127.0.0.1', 'a loopback'],
    ['::ffff:10.0.0.1', 'a private'],
    ['64:ff9b::a00:1', 'a private'],
    ['2002:c0a8:101::1', 'a private'],
    ['not-an-ip', 'an invalid'],
  ])('refuses %s as %s address', (address, reason) => {
    expect(refusedAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700::6810:84e5',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(refusedAddressReason(address)).toBeNull();
  });
});
