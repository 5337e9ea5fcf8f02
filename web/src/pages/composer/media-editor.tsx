/** The post's media: upload with progress, alt text, reorder (buttons, so it works by keyboard), remove. */
import { useMutation } from '@tanstack/react-query';
import { ArrowLeft, ArrowRight, ImagePlus, Trash2, X } from 'lucide-react';
import { type DragEvent, useId, useRef, useState } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import type { Media } from '../../api/types';
import { useWorkspace } from '../../app/session';
import { useFeedback } from '../../components/feedback';
import { uploadMedia } from '../../lib/upload';

type Upload = {
  key: string;
  name: string;
  progress: number;
  error: string | null;
  controller: AbortController;
};

const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime';

export function MediaEditor({
  media,
  onChange,
  error,
  disabled,
}: {
  media: Media[];
  onChange(next: Media[] | ((prev: Media[]) => Media[])): void;
  error?: string | null;
  disabled?: boolean;
}) {
  const workspace = useWorkspace();
  const feedback = useFeedback();
  const inputRef = useRef<HTMLInputElement>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const hintId = useId();

  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = `${file.name}-${Date.now()}-${Math.random()}`;
      const controller = new AbortController();
      setUploads((all) => [...all, { key, name: file.name, progress: 0, error: null, controller }]);
      uploadMedia({
        workspaceId: workspace.id,
        file,
        signal: controller.signal,
        onProgress: (progress) =>
          setUploads((all) => all.map((u) => (u.key === key ? { ...u, progress } : u))),
      })
        .then((item) => {
          setUploads((all) => all.filter((u) => u.key !== key));
          onChange((prev) => [...prev, item]);
        })
        .catch((err) => {
          if (controller.signal.aborted) {
            setUploads((all) => all.filter((u) => u.key !== key));
            return;
          }
          setUploads((all) => all.map((u) => (u.key === key ? { ...u, error: errorMessage(err) } : u)));
        });
    }
  };

  const move = (index: number, delta: number) => {
    const next = [...media];
    const [item] = next.splice(index, 1);
    if (!item) return;
    next.splice(index + delta, 0, item);
    onChange(next);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!disabled && e.dataTransfer.files.length) start(e.dataTransfer.files);
  };

  return (
    <div className="stack-sm">
      <section
        className="dropzone"
        aria-label="Upload media"
        data-active={dragging}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <ImagePlus size={26} aria-hidden="true" />
        <div>
          Drop images or videos here, or{' '}
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => inputRef.current?.click()}
            disabled={disabled}
            aria-describedby={hintId}
          >
            choose files
          </button>
        </div>
        <div id={hintId} className="small">
          JPEG, PNG, GIF, WebP or MP4. Describe each image for people using screen readers.
        </div>
        <input
          ref={inputRef}
          type="file"
          accept={ACCEPT}
          multiple
          hidden
          aria-label="Upload media"
          data-testid="media-input"
          onChange={(e) => {
            if (e.target.files) start(e.target.files);
            e.target.value = '';
          }}
        />
      </section>
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : null}
      {uploads.length > 0 || media.length > 0 ? (
        <ol
          className="media-grid"
          style={{ listStyle: 'none', padding: 0, margin: 0 }}
          aria-label="Attached media"
        >
          {media.map((item, index) => (
            <li key={item.id} className="media-card">
              {item.kind === 'video' ? (
                <video className="media-thumb" src={item.url} muted />
              ) : (
                <img src={item.url} alt={item.altText ?? ''} />
              )}
              <AltTextInput
                media={item}
                onSaved={(saved) =>
                  onChange((prev) =>
                    prev.map((m) => (m.id === saved.id ? { ...m, altText: saved.altText } : m)),
                  )
                }
                // As it is typed, so the preview's "no alt text" warning follows the text, not the blur.
                onEdit={(text) =>
                  onChange((prev) =>
                    prev.map((m) => (m.id === item.id ? { ...m, altText: text || null } : m)),
                  )
                }
                disabled={disabled}
                index={index}
              />
              <div className="row-between">
                <div className="row" style={{ gap: 2 }}>
                  <button
                    type="button"
                    className="icon-btn"
                    aria-label={`Move image ${index + 1} earlier`}
                    disabled={disabled || index === 0}
                    onClick={() => move(index, -1)}
                  >
                    <ArrowLeft size={16} aria-hidden="true" />
                  </button>
                  <button
                    type="button"
                    className="icon-btn"
                    aria-label={`Move image ${index + 1} later`}
                    disabled={disabled || index === media.length - 1}
                    onClick={() => move(index, 1)}
                  >
                    <ArrowRight size={16} aria-hidden="true" />
                  </button>
                </div>
                <button
                  type="button"
                  className="icon-btn"
                  aria-label={`Remove image ${index + 1}`}
                  disabled={disabled}
                  onClick={() => {
                    onChange(media.filter((m) => m.id !== item.id));
                    feedback.success('Image removed from the post.');
                  }}
                >
                  <Trash2 size={16} aria-hidden="true" />
                </button>
              </div>
            </li>
          ))}
          {uploads.map((u) => (
            <li key={u.key} className="media-card" aria-live="polite">
              <div className="media-thumb">{u.error ? 'Failed' : `${Math.round(u.progress * 100)}%`}</div>
              <div className="small clip" title={u.name}>
                {u.name}
              </div>
              {u.error ? (
                <div className="field-error" role="alert">
                  {u.error}
                </div>
              ) : (
                <progress value={u.progress} max={1} aria-label={`Uploading ${u.name}`} />
              )}
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  u.controller.abort();
                  setUploads((all) => all.filter((x) => x.key !== u.key));
                }}
              >
                <X size={14} aria-hidden="true" /> {u.error ? 'Dismiss' : 'Cancel'}
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}

function AltTextInput({
  media,
  onSaved,
  onEdit,
  disabled,
  index,
}: {
  media: Media;
  onSaved(media: Media): void;
  onEdit(text: string): void;
  disabled?: boolean | undefined;
  index: number;
}) {
  const workspace = useWorkspace();
  const [value, setValue] = useState(media.altText ?? '');
  // What the server holds: the list's copy changes as the user types, so it cannot tell.
  const [saved, setSaved] = useState(media.altText ?? '');
  const id = useId();
  const save = useMutation({
    mutationFn: (altText: string) =>
      unwrap(
        api.PATCH('/api/workspaces/{workspaceId}/media/{id}', {
          params: { path: { workspaceId: workspace.id, id: media.id } },
          body: { altText },
        }),
      ),
    onSuccess: (result) => {
      setSaved(result.altText ?? '');
      onSaved(result);
    },
  });
  return (
    <div className="field">
      <label htmlFor={id} className="small">
        Alt text for image {index + 1}
      </label>
      <textarea
        id={id}
        className="textarea"
        style={{ minHeight: 60, fontSize: '0.85rem' }}
        value={value}
        disabled={disabled}
        placeholder="What is in the image?"
        onChange={(e) => {
          setValue(e.target.value);
          onEdit(e.target.value);
        }}
        onBlur={() => {
          if (value !== saved) save.mutate(value);
        }}
      />
      {save.isError ? (
        <div className="field-error" role="alert">
          {errorMessage(save.error)}
        </div>
      ) : save.isPending ? (
        <div className="small muted">Saving…</div>
      ) : null}
    </div>
  );
}
