/** Platform apps: the OAuth clients Herald connects accounts with, per workspace or instance-wide. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { usePlatforms } from '../../app/queries';
import { useSession, useWorkspace } from '../../app/session';
import { platformName } from '../../components/channel';
import { useFeedback } from '../../components/feedback';
import { StatusBadge } from '../../components/status';
import { Button, Card, EmptyState, ErrorNotice, Field, Spinner } from '../../components/ui';
import { issueFor } from '../form-issues';

/**
 * A workspace admin manages the workspace's own apps (they win over the instance's when connecting);
 * an instance admin also manages the instance-wide apps every workspace may use.
 */
export function PlatformAppsSettings() {
  const { session } = useSession();
  return (
    <div className="stack">
      <p className="muted">
        The OAuth client credentials Herald uses to connect accounts, one per platform (register Herald with
        the platform first; its redirect URL is <code>{window.location.origin}/api/oauth/callback</code>). A
        workspace&apos;s own app is used before the instance&apos;s.
      </p>
      <PlatformApps scope="workspace" />
      {session?.user.isInstanceAdmin ? <PlatformApps scope="instance" /> : null}
    </div>
  );
}

function PlatformApps({ scope }: { scope: 'workspace' | 'instance' }) {
  const workspace = useWorkspace();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const platforms = usePlatforms();
  const [form, setForm] = useState({ platform: '', name: '', clientId: '', clientSecret: '', baseUrl: '' });
  const queryKey = scope === 'instance' ? ['platform-apps'] : ['ws', workspace.id, 'platform-apps'];
  const path = { workspaceId: workspace.id };
  const apps = useQuery({
    queryKey,
    queryFn: () =>
      unwrap(
        scope === 'instance'
          ? api.GET('/api/platform-apps')
          : api.GET('/api/workspaces/{workspaceId}/platform-apps', { params: { path } }),
      ),
  });
  const create = useMutation({
    mutationFn: () => {
      const body = {
        platform: form.platform || platforms.data?.[0]?.id || '',
        name: form.name,
        ...(form.clientId ? { clientId: form.clientId } : {}),
        ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
        ...(form.baseUrl ? { baseUrl: form.baseUrl } : {}),
      };
      return unwrap(
        scope === 'instance'
          ? api.POST('/api/platform-apps', { body })
          : api.POST('/api/workspaces/{workspaceId}/platform-apps', { params: { path }, body }),
      );
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey });
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id, 'platforms'] });
      feedback.success('Platform app saved. Its secret is stored encrypted.');
      setForm({ platform: '', name: '', clientId: '', clientSecret: '', baseUrl: '' });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        scope === 'instance'
          ? api.DELETE('/api/platform-apps/{id}', { params: { path: { id } } })
          : api.DELETE('/api/workspaces/{workspaceId}/platform-apps/{id}', {
              params: { path: { ...path, id } },
            }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey });
      feedback.success('Platform app removed.');
    },
    onError: feedback.error,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const title = scope === 'instance' ? 'Instance-wide apps' : `${workspace.name}'s own apps`;
  return (
    <div className="stack">
      <Card title={title} bodyless>
        {apps.isPending ? (
          <Spinner />
        ) : apps.isError ? (
          <div className="card-body">
            <ErrorNotice error={apps.error} title="Platform apps could not be loaded." />
          </div>
        ) : apps.data.items.length === 0 ? (
          <EmptyState title="No platform apps">
            Add one below to let members connect accounts on that platform.
          </EmptyState>
        ) : (
          <ul className="list">
            {apps.data.items.map((a) => (
              <li key={a.id} className="row-between">
                <div>
                  <strong>{a.name}</strong> <span className="muted">· {platformName(a.platform)}</span>
                  <div className="small muted mono">{a.clientId}</div>
                  {a.baseUrl ? <div className="small muted">{a.baseUrl}</div> : null}
                </div>
                <div className="row">
                  <StatusBadge
                    status={a.isActive ? 'active' : 'cancelled'}
                    label={a.isActive ? 'active' : 'off'}
                  />
                  {a.workspaceId === null ? <span className="small muted">all workspaces</span> : null}
                  <Button
                    size="sm"
                    variant="danger"
                    onClick={async () => {
                      if (
                        await feedback.confirm({
                          title: `Remove ${a.name}?`,
                          body: 'Connections made with it stop refreshing.',
                          confirmLabel: 'Remove',
                          danger: true,
                        })
                      )
                        remove.mutate(a.id);
                    }}
                  >
                    Remove<span className="sr-only"> {a.name}</span>
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title={scope === 'instance' ? 'Add an instance-wide app' : `Add an app to ${workspace.name}`}>
        <form className="stack" onSubmit={onSubmit}>
          <div className="form-grid">
            <Field label="Platform">
              {(p) => (
                <select
                  {...p}
                  className="select"
                  value={form.platform}
                  onChange={(e) => setForm({ ...form, platform: e.target.value })}
                >
                  {(platforms.data ?? []).map((pl) => (
                    <option key={pl.id} value={pl.id}>
                      {pl.displayName}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Name" error={issueFor(create.error, 'name')}>
              {(p) => (
                <input
                  {...p}
                  className="input"
                  required
                  value={form.name}
                  onChange={(e) => setForm({ ...form, name: e.target.value })}
                />
              )}
            </Field>
            <Field
              label="Client id"
              hint="Leave empty for Mastodon (Herald registers itself on the instance at the base URL) and for Bluesky and Ghost, which sign in with a form."
              error={issueFor(create.error, 'clientId')}
            >
              {(p) => (
                <input
                  {...p}
                  className="input"
                  value={form.clientId}
                  onChange={(e) => setForm({ ...form, clientId: e.target.value })}
                />
              )}
            </Field>
            <Field label="Client secret" error={issueFor(create.error, 'clientSecret')}>
              {(p) => (
                <input
                  {...p}
                  className="input"
                  type="password"
                  autoComplete="off"
                  value={form.clientSecret}
                  onChange={(e) => setForm({ ...form, clientSecret: e.target.value })}
                />
              )}
            </Field>
            <Field
              label="Base URL"
              hint="The server, for platforms with many: a Mastodon instance, a Ghost site, a Bluesky PDS."
              error={issueFor(create.error, 'baseUrl')}
            >
              {(p) => (
                <input
                  {...p}
                  className="input"
                  type="url"
                  value={form.baseUrl}
                  onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
                />
              )}
            </Field>
          </div>
          <ErrorNotice error={create.error} />
          <div>
            <Button type="submit" variant="primary" busy={create.isPending}>
              Save platform app
            </Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
