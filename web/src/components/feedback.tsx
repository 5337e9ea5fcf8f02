/**
 * Toasts for outcomes of actions (announced to screen readers) and a confirmation dialog built on
 * the native <dialog>, which traps focus and closes on Escape.
 */
import { X } from 'lucide-react';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { errorMessage } from '../api/client';
import { Button } from './ui';

type Toast = { id: number; kind: 'success' | 'error'; text: string };
type Confirm = {
  title: string;
  body?: ReactNode;
  confirmLabel: string;
  /** The button that changes nothing; "Cancel" unless that would read like the action (cancelling a post). */
  cancelLabel?: string;
  danger?: boolean;
  resolve: (ok: boolean) => void;
};

type Feedback = {
  success(text: string): void;
  error(error: unknown): void;
  /** Resolves true when the user confirms. */
  confirm(options: Omit<Confirm, 'resolve'>): Promise<boolean>;
};

const FeedbackContext = createContext<Feedback | null>(null);

export function useFeedback(): Feedback {
  const value = useContext(FeedbackContext);
  if (!value) throw new Error('useFeedback outside FeedbackProvider');
  return value;
}

export function FeedbackProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [pending, setPending] = useState<Confirm | null>(null);
  const nextId = useRef(1);

  const push = useCallback((kind: Toast['kind'], text: string) => {
    const id = nextId.current++;
    setToasts((all) => [...all.slice(-3), { id, kind, text }]);
    window.setTimeout(
      () => setToasts((all) => all.filter((t) => t.id !== id)),
      kind === 'error' ? 9000 : 5000,
    );
  }, []);

  const value = useMemo<Feedback>(
    () => ({
      success: (text) => push('success', text),
      error: (error) => push('error', errorMessage(error)),
      confirm: (options) => new Promise<boolean>((resolve) => setPending({ ...options, resolve })),
    }),
    [push],
  );

  return (
    <FeedbackContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className="toast" data-kind={t.kind} role={t.kind === 'error' ? 'alert' : 'status'}>
            <span>{t.text}</span>
            <button
              type="button"
              className="toast-close"
              aria-label="Dismiss"
              onClick={() => setToasts((all) => all.filter((x) => x.id !== t.id))}
            >
              <X size={16} aria-hidden="true" />
            </button>
          </div>
        ))}
      </div>
      {pending ? (
        <ConfirmDialog
          {...pending}
          onClose={(ok) => {
            pending.resolve(ok);
            setPending(null);
          }}
        />
      ) : null}
    </FeedbackContext.Provider>
  );
}

function ConfirmDialog({
  title,
  body,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger,
  onClose,
}: Omit<Confirm, 'resolve'> & { onClose(ok: boolean): void }) {
  return (
    <Dialog title={title} onClose={() => onClose(false)}>
      <div className="dialog-body">{body ? <div className="muted">{body}</div> : null}</div>
      <div className="dialog-actions">
        <Button onClick={() => onClose(false)}>{cancelLabel}</Button>
        <Button variant={danger ? 'danger-solid' : 'primary'} onClick={() => onClose(true)} autoFocus>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}

/** A modal dialog; `onClose` runs on Escape, on the backdrop and from the caller's buttons. */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-${Math.random().toString(36).slice(2)}`).current;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
      onKeyDown={() => {}}
    >
      <div className="dialog-body" style={{ paddingBottom: 0 }}>
        <h2 id={titleId}>{title}</h2>
      </div>
      {children}
    </dialog>
  );
}
