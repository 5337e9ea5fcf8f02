/**
 * Downloads a file from a user-given URL without letting that URL reach private networks.
 *
 * Each hop's host is resolved once, every address it resolves to is checked, and the connection is
 * then made to the checked address (a pinned `lookup`), so a DNS answer that changes between the check
 * and the connect (DNS rebinding) cannot redirect the request. Redirects are followed by hand, up to
 * three, and each new location is checked the same way.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { refusedAddressReason } from './address-policy.ts';

export const MAX_REDIRECTS = 3;
export const FETCH_TIMEOUT_MS = 10_000;

export type RemoteFile = {
  data: Uint8Array;
  /** The last path segment of the final URL, when it has one. */
  filename: string | null;
};

export type FetchRemoteMediaOptions = { url: string; timeoutMs?: number };

const badUrl = (message: string) => invalidField('url', message);

function parseHttpUrl(value: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw badUrl('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badUrl(`only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}`);
  }
  return url;
}

/** Resolves the host and returns the address to connect to, refusing non-public ones. */
async function resolveHost(url: URL, allowPrivate: boolean, signal: AbortSignal): Promise<LookupAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  try {
    // getaddrinfo cannot be cancelled; the race only stops waiting for it when time is up.
    addresses = await Promise.race([lookup(host, { all: true, verbatim: true }), abortion(signal)]);
  } catch (error) {
    if (signal.aborted) throw error;
    throw badUrl(`could not resolve the host ${host}`);
  }
  if (!allowPrivate) {
    // All of them, not only the first: the connection may use any address a name resolves to.
    for (const { address } of addresses) {
      const reason = refusedAddressReason(address);
      if (reason) throw badUrl(`refusing to fetch from ${reason} address`);
    }
  }
  const [first] = addresses;
  if (!first) throw badUrl(`could not resolve the host ${host}`);
  return first;
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function request(
  url: URL,
  address: LookupAddress,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<IncomingMessage> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      headers,
      lookup: pinned,
      // No pooling: a pooled socket could be reused for a later request to another address.
      agent: false,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readLimited(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => badUrl(`the file is larger than the ${maxBytes} byte upload limit`);
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function filenameOf(url: URL): string | null {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last).slice(0, 255) || null;
  } catch {
    return last.slice(0, 255) || null;
  }
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/** A public URL's answer: any status that is not a redirect, with its headers and body. */
export type PublicResponse = {
  status: number;
  headers: IncomingMessage['headers'];
  data: Uint8Array;
  /** Where the answer came from, after redirects. */
  url: URL;
};

/**
 * GETs a user-given URL under the same address policy and limits as media imports, sending `headers`
 * (conditional GET: `If-None-Match`, `If-Modified-Since`) and returning whatever non-redirect status
 * the server answers, so callers decide what a 304 or a 404 means.
 */
export async function fetchPublicUrl(
  deps: Deps,
  options: { url: string; headers: Record<string, string>; maxBytes: number; timeoutMs?: number },
): Promise<PublicResponse> {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let url = parseHttpUrl(options.url);
  try {
    for (let hop = 0; ; hop++) {
      const address = await resolveHost(url, deps.config.allowPrivateMediaUrls, signal);
      const response = await request(url, address, signal, options.headers);
      const status = response.statusCode ?? 0;
      if (isRedirect(status)) {
        response.resume();
        const location = response.headers.location;
        if (!location) throw badUrl(`the server answered ${status} without a Location`);
        if (hop >= MAX_REDIRECTS) throw badUrl(`more than ${MAX_REDIRECTS} redirects`);
        url = parseHttpUrl(location, url);
        continue;
      }
      if (status < 200 || status > 299) {
        response.resume();
        return { status, headers: response.headers, data: new Uint8Array(), url };
      }
      const data = await readLimited(response, options.maxBytes);
      return { status, headers: response.headers, data, url };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (signal.aborted) throw badUrl(`no complete answer within ${timeoutMs / 1000} seconds`);
    const code = (error as NodeJS.ErrnoException).code;
    throw badUrl(`could not fetch the file${code ? ` (${code})` : ''}`);
  }
}

export async function fetchRemoteMedia(deps: Deps, options: FetchRemoteMediaOptions): Promise<RemoteFile> {
  const response = await fetchPublicUrl(deps, {
    url: options.url,
    headers: { 'user-agent': 'Herald media import', accept: 'image/*, video/*' },
    maxBytes: deps.config.maxUploadBytes,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (response.status < 200 || response.status > 299) {
    throw badUrl(`the server answered ${response.status}`);
  }
  return { data: response.data, filename: filenameOf(response.url) };
}
