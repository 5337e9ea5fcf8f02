/**
 * Connected accounts: connect through the platform's OAuth screens (the API answers with the URL to
 * send the browser to, and the platform sends it back to `/channels?connected=<id>` or `?error=`), or
 * through a sign-in form for platforms that use one (`connect-dialog.tsx`); each connection's status,
 * health, token expiry and last error; reconnect; disconnect.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ExternalLink, PlugZap, RefreshCw, Unplug } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { Channel, Platform } from '../api/types';
import { useTimeZone } from '../app/preferences';
import { useChannels, usePlatforms } from '../app/queries';
import { useWorkspace } from '../app/session';
import { ChannelAvatar, channelHandle, platformName, sandboxFeedUrl } from '../components/channel';
import { useFeedback } from '../components/feedback';
import { StatusBadge } from '../components/status';
import { connectionAccess } from '../lib/connection-access';
import { Button, Card, EmptyState, ErrorNotice, Notice, PageHeader, Spinner } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/time';
import { ConnectDialog } from './connect-dialog';

/** What the connect dialog is open for: a new account, or signing in again to a connection. */
type Connecting = { platform: Platform; connectionId?: string };

/** Platforms that need a form before (or instead of) the redirect. */
const needsForm = (p: Platform) => p.connect.method === 'credentials' || p.connect.asksForServer;

export function ChannelsPage() {
  const workspace = useWorkspace();
  const [params, setParams] = useSearchParams();
  const channels = useChannels();
  const platforms = usePlatforms();
  const feedback = useFeedback();
  const connected = params.get('connected');
  const oauthError = params.get('error');
  const oauthErrorDescription = params.get('error_description') ?? params.get('message');
  const [connecting, setConnecting] = useState<Connecting | null>(null);

  const connect = useMutation({
    mutationFn: (platform: string) =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/connect/{platform}', {
          params: { path: { workspaceId: workspace.id, platform } },
          body: { returnTo: '/channels' },
        }),
      ),
    // The platform's consent screen; it sends the browser back here when the user decides.
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
    onError: feedback.error,
  });

  // A connection that just came back is worth a fresh list.
  const queryClient = useQueryClient();
  useEffect(() => {
    if (connected) void queryClient.invalidateQueries({ queryKey: ['ws', workspace.id, 'channels'] });
  }, [connected, queryClient, workspace.id]);

  const justConnected =
    channels.data?.filter((c) => c.connection.id === connected || c.id === connected) ?? [];
  const dismiss = () => setParams({}, { replace: true });

  return (
    <div className="stack">
      <PageHeader title="Channels" description="The accounts Herald publishes to." />
      {connected ? (
        <Notice kind="success" title="Connected.">
          {justConnected.length
            ? `${justConnected.map((c) => c.name).join(', ')} ${justConnected.length === 1 ? 'is' : 'are'} ready to publish.`
            : 'The account is ready to publish.'}{' '}
          <button type="button" className="btn btn-sm btn-ghost" onClick={dismiss}>
            Dismiss
          </button>
        </Notice>
      ) : null}
      {oauthError ? (
        <Notice kind="error" title="The connection did not go through.">
          {oauthErrorDescription ?? oauthError}. Try again; if it keeps failing, check the platform app's
          settings.{' '}
          <button type="button" className="btn btn-sm btn-ghost" onClick={dismiss}>
            Dismiss
          </button>
        </Notice>
      ) : null}

      {workspace.canEdit ? (
        <Card title="Connect an account">
          {platforms.isPending ? (
            <Spinner />
          ) : platforms.isError ? (
            <ErrorNotice error={platforms.error} />
          ) : platforms.data.length === 0 ? (
            <p className="muted">
              No platform is set up on this Herald. An admin can add platform apps in Settings.
            </p>
          ) : (
            <div className="row">
              {platforms.data.map((p) => (
                <Button
                  key={p.id}
                  onClick={() => (needsForm(p) ? setConnecting({ platform: p }) : connect.mutate(p.id))}
                  busy={connect.isPending && connect.variables === p.id}
                  variant={p.id === 'sandbox' ? 'primary' : 'default'}
                >
                  <PlugZap size={16} aria-hidden="true" /> Connect {p.displayName}
                </Button>
              ))}
            </div>
          )}
          <p className="small muted" style={{ marginTop: 10 }}>
            Most platforms send you to approve Herald there, then back here; Bluesky and Ghost ask for an app
            password or an API key instead. The sandbox network is built in: use it to try Herald without a
            real account.
          </p>
        </Card>
      ) : null}

      {channels.isPending ? (
        <Spinner />
      ) : channels.isError ? (
        <ErrorNotice error={channels.error} title="Channels could not be loaded." />
      ) : channels.data.length === 0 ? (
        <Card>
          <EmptyState icon={<PlugZap size={36} aria-hidden="true" />} title="No channels yet">
            {workspace.canEdit
              ? 'Connect an account above. Start with the sandbox to see the whole flow.'
              : 'No account is connected to this workspace yet.'}
          </EmptyState>
        </Card>
      ) : (
        <div className="grid-cards">
          {channels.data.map((c) => {
            const platform = platforms.data?.find((p) => p.id === c.platform);
            return (
              <ChannelCard
                key={c.id}
                channel={c}
                onSignIn={
                  platform?.connect.method === 'credentials'
                    ? () => setConnecting({ platform, connectionId: c.connection.id })
                    : null
                }
              />
            );
          })}
        </div>
      )}
      {connecting ? (
        <ConnectDialog
          platform={connecting.platform}
          {...(connecting.connectionId ? { connectionId: connecting.connectionId } : {})}
          onClose={() => setConnecting(null)}
          onConnected={(id) => {
            setConnecting(null);
            setParams({ connected: id }, { replace: true });
          }}
        />
      ) : null}
    </div>
  );
}

function ChannelCard({
  channel: c,
  onSignIn,
}: {
  channel: Channel;
  /** For sign-in-form platforms: reconnecting opens the form instead of a redirect. */
  onSignIn: (() => void) | null;
}) {
  const workspace = useWorkspace();
  const [zone] = useTimeZone();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const path = { params: { path: { workspaceId: workspace.id, connectionId: c.connection.id } } };
  const reconnect = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/connections/{connectionId}/reconnect', {
          ...path,
          body: { returnTo: '/channels' },
        }),
      ),
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl),
    onError: feedback.error,
  });
  const disconnect = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/workspaces/{workspaceId}/connections/{connectionId}', path)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
      feedback.success(`${c.name} disconnected.`);
    },
    onError: feedback.error,
  });
  const conn = c.connection;
  const feed = sandboxFeedUrl(c);
  const access = connectionAccess(conn);
  const needsReconnect = access.needsReconnect;
  return (
    <article className="card" aria-labelledby={`channel-${c.id}`}>
      <div className="card-body stack-sm">
        <div className="row">
          <ChannelAvatar channel={c} size="lg" />
          <div className="grow">
            <h2 id={`channel-${c.id}`} style={{ fontSize: '1rem' }}>
              {c.name}
            </h2>
            <div className="small muted">
              {channelHandle(c)} · {platformName(c.platform)}
            </div>
          </div>
        </div>
        <div className="row">
          <StatusBadge status={access.badge} label={access.badgeLabel} />
          {!c.isActive ? <StatusBadge status="cancelled" label="paused" /> : null}
        </div>
        <dl className="kv">
          <dt>Access</dt>
          <dd>
            {access.expiresAt
              ? `${access.text} ${formatDateTime(access.expiresAt, zone, { weekday: undefined })} (${formatRelative(access.expiresAt)}).`
              : access.text}
          </dd>
        </dl>
        {conn.lastError ? (
          <Notice kind="error" title="Last error:">
            {conn.lastError}
          </Notice>
        ) : null}
        <div className="row" style={{ marginTop: 4 }}>
          {c.url ? (
            <a className="btn btn-sm" href={c.url} target="_blank" rel="noreferrer">
              <ExternalLink size={14} aria-hidden="true" /> Profile
              <span className="sr-only"> of {c.name} (opens in a new tab)</span>
            </a>
          ) : null}
          {feed ? (
            <a className="btn btn-sm" href={feed} target="_blank" rel="noreferrer">
              <ExternalLink size={14} aria-hidden="true" /> Sandbox feed
              <span className="sr-only"> of {c.name} (opens in a new tab)</span>
            </a>
          ) : null}
          {workspace.canEdit ? (
            <>
              <Button
                size="sm"
                variant={needsReconnect ? 'primary' : 'default'}
                onClick={() => (onSignIn ? onSignIn() : reconnect.mutate())}
                busy={reconnect.isPending}
              >
                <RefreshCw size={14} aria-hidden="true" /> Reconnect<span className="sr-only"> {c.name}</span>
              </Button>
              <Button
                size="sm"
                variant="danger"
                busy={disconnect.isPending}
                onClick={async () => {
                  if (
                    await feedback.confirm({
                      title: `Disconnect ${c.name}?`,
                      body: 'Herald forgets the account’s access. Scheduled posts for it will fail until you connect it again.',
                      confirmLabel: 'Disconnect',
                      danger: true,
                    })
                  )
                    disconnect.mutate();
                }}
              >
                <Unplug size={14} aria-hidden="true" /> Disconnect<span className="sr-only"> {c.name}</span>
              </Button>
            </>
          ) : null}
        </div>
      </div>
    </article>
  );
}
