/** Workspace, members and roles, API tokens (shown once), platform apps (admins), preferences. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Copy, KeyRound, Trash2, Users } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { NavLink, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { CreatedApiToken, Role } from '../api/types';
import { useTimeZone } from '../app/preferences';
import { keys, usePlatforms } from '../app/queries';
import { useSession, useWorkspace } from '../app/session';
import { platformName } from '../components/channel';
import { useFeedback } from '../components/feedback';
import { StatusBadge } from '../components/status';
import { TimeZoneSelect } from '../components/time-zone-select';
import { Button, Card, EmptyState, ErrorNotice, Field, Notice, PageHeader, Spinner } from '../components/ui';
import { formatDateTime } from '../lib/time';
import { issueFor } from './form-issues';

const ROLES: { id: Role; label: string; hint: string }[] = [
  { id: 'admin', label: 'Admin', hint: 'everything, including members and platform apps' },
  { id: 'user', label: 'User', hint: 'write, schedule and publish posts; connect channels' },
  { id: 'viewer', label: 'Viewer', hint: 'sees everything, changes nothing' },
];

export function SettingsPage() {
  const { tab = 'workspace' } = useParams();
  const workspace = useWorkspace();
  const { session } = useSession();
  const showApps = workspace.isAdmin || Boolean(session?.user.isInstanceAdmin);
  const tabs = [
    { id: 'workspace', label: 'Workspace' },
    { id: 'members', label: 'Members' },
    { id: 'tokens', label: 'API tokens' },
    ...(showApps ? [{ id: 'platform-apps', label: 'Platform apps' }] : []),
  ];
  return (
    <div className="stack">
      <PageHeader title="Settings" />
      <nav className="tabs" aria-label="Settings sections">
        {tabs.map((t) => (
          <NavLink
            key={t.id}
            to={`/settings/${t.id}`}
            className="tab"
            aria-current={tab === t.id ? 'page' : undefined}
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
      {tab === 'members' ? (
        <Members />
      ) : tab === 'tokens' ? (
        <Tokens />
      ) : tab === 'platform-apps' && showApps ? (
        <PlatformApps />
      ) : (
        <WorkspaceSettings />
      )}
    </div>
  );
}

function WorkspaceSettings() {
  const workspace = useWorkspace();
  const { selectWorkspace } = useSession();
  const [zone, setZone] = useTimeZone();
  const queryClient = useQueryClient();
  const feedback = useFeedback();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/workspaces', { body: { name } })),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      selectWorkspace(created.id);
      feedback.success(`Workspace ${created.name} created. You are its admin.`);
      setName('');
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="stack">
      <Card title="This workspace">
        <dl className="kv">
          <dt>Name</dt>
          <dd>{workspace.name}</dd>
          <dt>Address</dt>
          <dd className="mono">{workspace.slug}</dd>
          <dt>Your role</dt>
          <dd>{workspace.role}</dd>
        </dl>
      </Card>
      <Card title="Your time zone">
        <div className="stack-sm" style={{ maxWidth: 420 }}>
          <TimeZoneSelect value={zone} onChange={setZone} label="Show times in" />
          <p className="field-hint">
            The calendar, lists and new posts use this zone. It is remembered in this browser.
          </p>
        </div>
      </Card>
      <Card title="New workspace">
        <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={onSubmit}>
          <Field label="Name" className="grow" error={issueFor(create.error, 'name')}>
            {(p) => (
              <input
                {...p}
                className="input"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" busy={create.isPending}>
            Create
          </Button>
        </form>
        {create.isError && !issueFor(create.error, 'name') ? <ErrorNotice error={create.error} /> : null}
      </Card>
    </div>
  );
}

function Members() {
  const workspace = useWorkspace();
  const { session } = useSession();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const members = useQuery({
    queryKey: keys.members(workspace.id),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/members', { params: { path: { workspaceId: workspace.id } } }),
      ),
  });
  const [form, setForm] = useState({ email: '', name: '', password: '', role: 'user' as Role });
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.members(workspace.id) });
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/members', {
          params: { path: { workspaceId: workspace.id } },
          body: {
            email: form.email,
            role: form.role,
            ...(form.name ? { name: form.name } : {}),
            ...(form.password ? { password: form.password } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      await refresh();
      feedback.success(`${form.email} added as ${form.role}.`);
      setForm({ email: '', name: '', password: '', role: 'user' });
    },
  });
  const change = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        api.PATCH('/api/workspaces/{workspaceId}/members/{userId}', {
          params: { path: { workspaceId: workspace.id, userId } },
          body: { role },
        }),
      ),
    onSuccess: async () => {
      await refresh();
      feedback.success('Role changed.');
    },
    onError: feedback.error,
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      unwrap(
        api.DELETE('/api/workspaces/{workspaceId}/members/{userId}', {
          params: { path: { workspaceId: workspace.id, userId } },
        }),
      ),
    onSuccess: async () => {
      await refresh();
      feedback.success('Member removed.');
    },
    onError: feedback.error,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <div className="stack">
      <Card title="Members" bodyless>
        {members.isPending ? (
          <Spinner />
        ) : members.isError ? (
          <div className="card-body">
            <ErrorNotice error={members.error} />
          </div>
        ) : members.data.members.length === 0 ? (
          <EmptyState icon={<Users size={34} aria-hidden="true" />} title="No members" />
        ) : (
          <div className="table-wrap">
            <table className="table table-responsive">
              <caption className="sr-only">Members of {workspace.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.members.map((m) => {
                  const self = m.userId === session?.user.id;
                  return (
                    <tr key={m.userId}>
                      <td data-label="Name">
                        {m.name} {self ? <span className="muted">(you)</span> : null}
                      </td>
                      <td data-label="Email">{m.email}</td>
                      <td data-label="Role">
                        {workspace.isAdmin && !self ? (
                          <select
                            className="select"
                            aria-label={`Role of ${m.name}`}
                            value={m.role}
                            onChange={(e) =>
                              change.mutate({ userId: m.userId, role: e.target.value as Role })
                            }
                          >
                            {ROLES.map((r) => (
                              <option key={r.id} value={r.id}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                        ) : (
                          m.role
                        )}
                      </td>
                      <td data-label="">
                        {workspace.isAdmin && !self ? (
                          <Button
                            size="sm"
                            variant="danger"
                            onClick={async () => {
                              if (
                                await feedback.confirm({
                                  title: `Remove ${m.name}?`,
                                  body: `${m.email} will lose access to ${workspace.name}.`,
                                  confirmLabel: 'Remove',
                                  danger: true,
                                })
                              )
                                remove.mutate(m.userId);
                            }}
                          >
                            Remove<span className="sr-only"> {m.name}</span>
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {workspace.isAdmin ? (
        <Card title="Add a member">
          <form className="stack" onSubmit={onSubmit}>
            <div className="form-grid">
              <Field label="Email" error={issueFor(add.error, 'email')}>
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    type="email"
                    required
                    value={form.email}
                    onChange={(e) => setForm({ ...form, email: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Name" hint="For a new account." error={issueFor(add.error, 'name')}>
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    value={form.name}
                    onChange={(e) => setForm({ ...form, name: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Initial password"
                hint="For a new account; they can change it."
                error={issueFor(add.error, 'password')}
              >
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    type="password"
                    autoComplete="new-password"
                    value={form.password}
                    onChange={(e) => setForm({ ...form, password: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Role" hint={ROLES.find((r) => r.id === form.role)?.hint}>
                {(p) => (
                  <select
                    {...p}
                    className="select"
                    value={form.role}
                    onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <ErrorNotice error={add.error} />
            <div>
              <Button type="submit" variant="primary" busy={add.isPending}>
                Add member
              </Button>
            </div>
          </form>
        </Card>
      ) : (
        <p className="small muted">Only admins can add members or change roles.</p>
      )}
    </div>
  );
}

function Tokens() {
  const feedback = useFeedback();
  const [zone] = useTimeZone();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => unwrap(api.GET('/api/tokens')) });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/tokens', { body: { name } })),
    onSuccess: async (token) => {
      setCreated(token);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['tokens'] });
      feedback.success('Token revoked. Programs using it are refused from now on.');
    },
    onError: feedback.error,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="stack">
      <Card title="Create a token">
        <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={onSubmit}>
          <Field
            label="What is it for?"
            className="grow"
            hint="A name to recognise it by, e.g. “CI release notes”."
            error={issueFor(create.error, 'name')}
          >
            {(p) => (
              <input
                {...p}
                className="input"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={create.isPending}>
            Create token
          </Button>
        </form>
        {create.isError && !issueFor(create.error, 'name') ? <ErrorNotice error={create.error} /> : null}
        {created ? (
          <div className="stack-sm" style={{ marginTop: 14 }}>
            <Notice kind="success" title="Copy it now.">
              This is the only time Herald shows the token “{created.name}”. Send it as{' '}
              <code>Authorization: Bearer …</code>.
            </Notice>
            <div className="secret">
              <code data-testid="new-token" style={{ flex: 1 }}>
                {created.token}
              </code>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  void navigator.clipboard
                    ?.writeText(created.token)
                    .then(() => feedback.success('Token copied.'));
                }}
              >
                <Copy size={14} aria-hidden="true" /> Copy
              </button>
            </div>
          </div>
        ) : null}
      </Card>
      <Card title="Your tokens" bodyless>
        {tokens.isPending ? (
          <Spinner />
        ) : tokens.isError ? (
          <div className="card-body">
            <ErrorNotice error={tokens.error} />
          </div>
        ) : tokens.data.tokens.length === 0 ? (
          <EmptyState icon={<KeyRound size={34} aria-hidden="true" />} title="No tokens">
            Create one to use Herald's API from scripts and other programs.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-responsive">
              <caption className="sr-only">API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.tokens.map((t) => (
                  <tr key={t.id}>
                    <td data-label="Name">
                      {t.name} {t.revokedAt ? <StatusBadge status="revoked" /> : null}
                    </td>
                    <td data-label="Starts with" className="mono">
                      {t.prefix}…
                    </td>
                    <td data-label="Created" className="small">
                      {formatDateTime(t.createdAt, zone, { weekday: undefined })}
                    </td>
                    <td data-label="Last used" className="small">
                      {t.lastUsedAt ? formatDateTime(t.lastUsedAt, zone, { weekday: undefined }) : 'never'}
                    </td>
                    <td data-label="">
                      {!t.revokedAt ? (
                        <Button
                          size="sm"
                          variant="danger"
                          onClick={async () => {
                            if (
                              await feedback.confirm({
                                title: `Revoke “${t.name}”?`,
                                body: 'Programs using it stop working at once.',
                                confirmLabel: 'Revoke',
                                danger: true,
                              })
                            )
                              revoke.mutate(t.id);
                          }}
                        >
                          <Trash2 size={14} aria-hidden="true" /> Revoke
                          <span className="sr-only"> {t.name}</span>
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function PlatformApps() {
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const platforms = usePlatforms();
  const [form, setForm] = useState({ platform: '', name: '', clientId: '', clientSecret: '', baseUrl: '' });
  const apps = useQuery({
    queryKey: ['platform-apps'],
    queryFn: () => unwrap(api.GET('/api/platform-apps')),
  });
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/platform-apps', {
          body: {
            platform: form.platform || platforms.data?.[0]?.id || '',
            name: form.name,
            ...(form.clientId ? { clientId: form.clientId } : {}),
            ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
            ...(form.baseUrl ? { baseUrl: form.baseUrl } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['platform-apps'] });
      feedback.success('Platform app saved. Its secret is stored encrypted.');
      setForm({ platform: '', name: '', clientId: '', clientSecret: '', baseUrl: '' });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/platform-apps/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['platform-apps'] });
      feedback.success('Platform app removed.');
    },
    onError: feedback.error,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="stack">
      <p className="muted">
        The OAuth client credentials Herald uses to connect accounts, one per platform (register Herald with
        the platform first; its redirect URL is <code>{window.location.origin}/api/oauth/callback</code>).
      </p>
      <Card title="Platform apps" bodyless>
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
      <Card title="Add a platform app">
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
