/**
 * Media upload with progress. `fetch` cannot report upload progress, so this uses XMLHttpRequest
 * (multipart `file` and `altText`), with the session's CSRF token like every other write.
 */
import { ApiError, getCsrfToken } from '../api/client';
import type { Media } from '../api/types';

export type UploadOptions = {
  workspaceId: string;
  file: File;
  altText?: string;
  /** Called with 0..1 as bytes go out. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
};

export function uploadMedia({
  workspaceId,
  file,
  altText,
  onProgress,
  signal,
}: UploadOptions): Promise<Media> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/workspaces/${encodeURIComponent(workspaceId)}/media`);
    xhr.withCredentials = true;
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body = xhr.response as
        | (Media & { error?: undefined })
        | { error?: { code: string; message: string; details: Record<string, unknown> | null } }
        | null;
      if (xhr.status >= 200 && xhr.status < 300 && body && !('error' in body && body.error)) {
        onProgress?.(1);
        resolve(body as Media);
        return;
      }
      const error = body && 'error' in body ? body.error : undefined;
      reject(
        new ApiError({
          status: xhr.status,
          code: error?.code ?? `http_${xhr.status}`,
          message: error?.message ?? `Upload failed (${xhr.status} ${xhr.statusText})`,
          details: error?.details ?? null,
        }),
      );
    };
    xhr.onerror = () =>
      reject(
        new ApiError({
          status: 0,
          code: 'network',
          message: 'The upload was interrupted. Check your connection and try again.',
        }),
      );
    xhr.onabort = () => reject(new ApiError({ status: 0, code: 'aborted', message: 'Upload cancelled.' }));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    if (altText) form.append('altText', altText);
    // The file goes last: multipart parsers read fields that come before the file.
    form.append('file', file);
    xhr.send(form);
  });
}
