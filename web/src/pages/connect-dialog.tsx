/**
 * The dialog for platforms that need more than one click to connect: a sign-in form (Bluesky app
 * password, Ghost Admin API key), or the address of the server to authorise on (a Mastodon
 * instance) before the redirect. Field errors from the API are shown next to their fields.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import type { Platform } from '../api/types';
import { useWorkspace } from '../app/session';
import { Dialog } from '../components/feedback';
import { Button, ErrorNotice, Field } from '../components/ui';
import { issueFor } from './form-issues';

type Fields = Extract<Platform['connect'], { method: 'credentials' }>['fields'];

export function ConnectDialog({
  platform,
  connectionId,
  onConnected,
  onClose,
}: {
  platform: Platform;
  /** Sign in again to this connection instead of adding one. */
  connectionId?: string;
  onConnected(connectionId: string): void;
  onClose(): void;
}) {
  const workspace = useWorkspace();
  const queryClient = useQueryClient();
  const connect = platform.connect;
  // Reconnecting stays on the connection's server, so the address is not asked again.
  const fields: Fields =
    connect.method === 'credentials'
      ? connect.fields.filter((f) => !(connectionId && f.serverUrl))
      : [
          {
            name: 'serverUrl',
            label: `${platform.displayName} server`,
            secret: false,
            required: true,
            serverUrl: true,
            placeholder: 'mastodon.social',
            help: 'The address of the instance your account is on. Herald registers itself there the first time.',
          },
        ];
  const [values, setValues] = useState<Record<string, string>>({});

  const submit = useMutation({
    mutationFn: async () => {
      const workspaceId = workspace.id;
      if (connect.method === 'oauth') {
        const { authorizeUrl } = await unwrap(
          api.POST('/api/workspaces/{workspaceId}/connect/{platform}', {
            params: { path: { workspaceId, platform: platform.id } },
            body: { returnTo: '/channels', serverUrl: values.serverUrl ?? '' },
          }),
        );
        window.location.assign(authorizeUrl);
        return null;
      }
      const body = { values: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim())) };
      const reply = connectionId
        ? await unwrap(
            api.POST('/api/workspaces/{workspaceId}/connections/{connectionId}/sign-in', {
              params: { path: { workspaceId, connectionId } },
              body,
            }),
          )
        : await unwrap(
            api.POST('/api/workspaces/{workspaceId}/connect/{platform}/sign-in', {
              params: { path: { workspaceId, platform: platform.id } },
              body,
            }),
          );
      return reply.connectionId;
    },
    onSuccess: async (id) => {
      if (id === null) return; // on its way to the platform
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
      onConnected(id);
    },
  });
  const fieldError = (name: string) =>
    issueFor(submit.error, connect.method === 'oauth' ? name : `values.${name}`);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit.mutate();
  };

  return (
    <Dialog
      title={`${connectionId ? 'Sign in again to' : 'Connect'} ${platform.displayName}`}
      onClose={onClose}
    >
      <form onSubmit={onSubmit}>
        <div className="dialog-body stack">
          <p className="small muted">
            {connect.method === 'oauth'
              ? `You will be sent to your ${platform.displayName} server to approve Herald, then brought back here.`
              : 'Herald keeps what you type here encrypted and never shows it again.'}
          </p>
          {fields.map((f) => (
            <Field
              key={f.name}
              label={f.required ? f.label : `${f.label} (optional)`}
              hint={f.help ?? undefined}
              error={fieldError(f.name)}
            >
              {(p) => (
                <input
                  {...p}
                  className="input"
                  name={f.name}
                  type={f.secret ? 'password' : 'text'}
                  inputMode={f.serverUrl ? 'url' : undefined}
                  autoComplete={f.secret ? 'off' : f.serverUrl ? 'url' : 'username'}
                  placeholder={f.placeholder ?? undefined}
                  required={f.required}
                  value={values[f.name] ?? ''}
                  onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                />
              )}
            </Field>
          ))}
          {submit.error && !fields.some((f) => fieldError(f.name)) ? (
            <ErrorNotice error={submit.error} />
          ) : null}
        </div>
        <div className="dialog-actions">
          <Button type="button" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={submit.isPending}>
            {connect.method === 'oauth' ? 'Continue' : connectionId ? 'Sign in' : 'Connect'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
