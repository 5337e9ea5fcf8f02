/**
 * One post for many channels: text with live per-platform counters, media, per-channel overrides, a
 * preview per channel, validation next to each field before anything is scheduled, and then draft,
 * schedule (date, time, IANA zone) or publish now.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { PlugZap } from 'lucide-react';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, api, unwrap } from '../../api/client';
import {
  type Channel,
  capability,
  type Media,
  type Platform,
  type Post,
  type PostInput,
  type ValidationIssue,
} from '../../api/types';
import { useTimeZone } from '../../app/preferences';
import { keys, useChannels, useMediaItems, usePlatforms } from '../../app/queries';
import { useWorkspace } from '../../app/session';
import { ChannelAvatar, platformName } from '../../components/channel';
import { useFeedback } from '../../components/feedback';
import { StatusBadge } from '../../components/status';
import { Tabs } from '../../components/tabs';
import { TimeZoneSelect } from '../../components/time-zone-select';
import {
  Button,
  Card,
  EmptyState,
  ErrorNotice,
  Field,
  Notice,
  PageHeader,
  Spinner,
} from '../../components/ui';
import { countText } from '../../lib/counters';
import {
  describeLocalTime,
  formatDateTime,
  instantToZoned,
  type LocalDateTime,
  nextSlot,
  offsetLabel,
  toLocalTimeString,
  zonedToInstant,
} from '../../lib/time';
import { PlatformCounter } from './counter';
import { MediaEditor } from './media-editor';
import { type ChannelVersion, Preview } from './preview';

type Mode = 'schedule' | 'now' | 'draft';
type Override = { text: string | null; mediaIds: string[] | null };

export function ComposerPage() {
  const { postId } = useParams();
  const workspace = useWorkspace();
  const existing = useQuery({
    queryKey: keys.post(workspace.id, postId ?? ''),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/posts/{postId}', {
          params: { path: { workspaceId: workspace.id, postId: postId ?? '' } },
        }),
      ),
    enabled: Boolean(postId),
  });
  if (!workspace.canEdit) {
    return (
      <div className="stack">
        <PageHeader title="New post" />
        <Notice kind="info">
          You are a viewer in {workspace.name}: you can see everything but not write posts. Ask an admin for
          the user role.
        </Notice>
      </div>
    );
  }
  if (postId && existing.isPending) return <Spinner />;
  if (postId && existing.isError)
    return <ErrorNotice error={existing.error} title="This post could not be loaded." />;
  return <ExistingMedia key={postId ?? 'new'} existing={existing.data ?? null} />;
}

/** Loads the media of the post being edited before the form takes its initial state. */
function ExistingMedia({ existing }: { existing: Post | null }) {
  const media = useMediaItems(existing?.mediaIds ?? []);
  if (media.isPending) return <Spinner />;
  return <ComposerForm existing={existing} initialMedia={media.items} />;
}

function initialSchedule(existing: Post | null, params: URLSearchParams, zone: string): LocalDateTime {
  if (existing?.scheduledAt) return instantToZoned(existing.scheduledAt, existing.timezone ?? zone);
  const at = params.get('at');
  if (at && !Number.isNaN(Date.parse(at))) return instantToZoned(at, zone);
  const date = params.get('date');
  if (date && /^\d{4}-\d{2}-\d{2}$/.test(date)) return { date, time: '09:00' };
  return nextSlot(zone);
}

/** Issues from the validate endpoint and from a rejected save, in one shape. */
function issuesOf(error: unknown): ValidationIssue[] {
  if (!(error instanceof ApiError)) return [];
  const raw = error.details?.issues;
  if (!Array.isArray(raw)) return [];
  return raw.map((i: { channelId?: string | null; field?: string; path?: string; message: string }) => ({
    channelId: i.channelId ?? null,
    field: (i.field ?? i.path ?? '').replace(/^body\./, ''),
    message: i.message,
  }));
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function ComposerForm({ existing, initialMedia }: { existing: Post | null; initialMedia: Media[] }) {
  const workspace = useWorkspace();
  const navigate = useNavigate();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const [preferredZone] = useTimeZone();
  const channels = useChannels();
  const platforms = usePlatforms();

  const [title, setTitle] = useState(existing?.title ?? '');
  const [content, setContent] = useState(existing?.content ?? '');
  const [channelIds, setChannelIds] = useState<string[]>(
    existing?.targets.map((t) => t.channelId) ?? (params.get('channel') ? [params.get('channel')!] : []),
  );
  const [media, setMedia] = useState<Media[]>(initialMedia);
  const [overrides, setOverrides] = useState<Record<string, Override>>(() =>
    Object.fromEntries(
      (existing?.targets ?? [])
        .filter((t) => t.contentOverride != null)
        .map((t) => [t.channelId, { text: t.contentOverride ?? null, mediaIds: null }]),
    ),
  );
  const [zone, setZone] = useState(existing?.timezone ?? preferredZone);
  const [when, setWhen] = useState<LocalDateTime>(() => initialSchedule(existing, params, zone));
  const [mode, setMode] = useState<Mode>(
    existing && existing.status === 'draft' && !existing.scheduledAt ? 'draft' : 'schedule',
  );
  const [overrideTab, setOverrideTab] = useState<string | null>(null);
  const ids = { content: useId(), when: useId() };

  // Select the only channel there is, so a first post needs no extra click.
  useEffect(() => {
    if (!existing && channels.data?.length === 1 && channelIds.length === 0)
      setChannelIds([channels.data[0]!.id]);
  }, [channels.data, existing, channelIds.length]);

  const platformById = useMemo(() => new Map((platforms.data ?? []).map((p) => [p.id, p])), [platforms.data]);
  const selected: Channel[] = (channels.data ?? []).filter((c) => channelIds.includes(c.id));

  const body = useMemo<PostInput>(() => {
    const chosen = Object.fromEntries(
      channelIds.flatMap((id) => {
        const o = overrides[id];
        if (!o || (o.text === null && o.mediaIds === null)) return [];
        return [
          [
            id,
            {
              ...(o.text !== null ? { content: o.text } : {}),
              ...(o.mediaIds !== null ? { mediaIds: o.mediaIds } : {}),
            },
          ],
        ];
      }),
    );
    return {
      content,
      ...(title.trim() ? { title: title.trim() } : {}),
      channelIds,
      mediaIds: media.map((m) => m.id),
      ...(Object.keys(chosen).length ? { overrides: chosen } : {}),
      ...(mode === 'schedule'
        ? { schedule: { localTime: toLocalTimeString(when), timezone: zone } }
        : mode === 'now'
          ? { publishNow: true }
          : {}),
    };
  }, [content, title, channelIds, media, overrides, mode, when, zone]);

  const debouncedBody = useDebounced(body, 400);
  const validation = useQuery({
    queryKey: ['ws', workspace.id, 'validate', debouncedBody],
    queryFn: async () => {
      try {
        return await unwrap(
          api.POST('/api/workspaces/{workspaceId}/posts/validate', {
            params: { path: { workspaceId: workspace.id } },
            body: debouncedBody,
          }),
        );
      } catch (error) {
        // A body the API rejects outright still says what is wrong, field by field.
        if (error instanceof ApiError && (error.status === 400 || error.status === 422))
          return { issues: issuesOf(error) };
        if (error instanceof ApiError && error.status === 404) return { issues: [] };
        throw error;
      }
    },
    enabled:
      (debouncedBody.channelIds ?? []).length > 0 &&
      ((debouncedBody.content ?? '').length > 0 || (debouncedBody.mediaIds?.length ?? 0) > 0),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 60_000,
  });

  const versions: ChannelVersion[] = selected.map((channel) => {
    const o = overrides[channel.id];
    return {
      channel,
      text: o?.text ?? content,
      media: o?.mediaIds ? media.filter((m) => o.mediaIds?.includes(m.id)) : media,
      maxTextLength: capability(platformById.get(channel.platform), 'maxTextLength'),
    };
  });

  const save = useMutation({
    mutationFn: async (as: Mode): Promise<Post> => {
      const payload: PostInput = { ...body };
      if (as !== 'schedule') delete payload.schedule;
      if (as !== 'now') delete payload.publishNow;
      if (as === 'now') payload.publishNow = true;
      if (!existing) {
        return unwrap(
          api.POST('/api/workspaces/{workspaceId}/posts', {
            params: { path: { workspaceId: workspace.id } },
            body: payload,
          }),
        );
      }
      const path = { params: { path: { workspaceId: workspace.id, postId: existing.id } } };
      const { schedule, publishNow: _now, ...changes } = payload;
      let post = await unwrap(
        api.PATCH('/api/workspaces/{workspaceId}/posts/{postId}', { ...path, body: changes }),
      );
      if (as === 'schedule' && schedule) {
        post = await unwrap(
          api.POST('/api/workspaces/{workspaceId}/posts/{postId}/schedule', { ...path, body: { schedule } }),
        );
      } else if (as === 'now') {
        post = await unwrap(api.POST('/api/workspaces/{workspaceId}/posts/{postId}/publish-now', path));
      }
      return post;
    },
    onSuccess: async (post, as) => {
      await queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] });
      feedback.success(
        as === 'draft'
          ? 'Draft saved.'
          : as === 'now'
            ? 'Publishing now. Follow each channel on the post page.'
            : `Scheduled for ${formatDateTime(post.scheduledAt, zone)} (${zone}).`,
      );
      navigate(`/posts/${post.id}`);
    },
  });

  // Every problem, from the server (validate or a rejected save) and from the browser's own checks.
  const serverIssues = [...(validation.data?.issues ?? []), ...issuesOf(save.error)];
  const localIssues: ValidationIssue[] = [];
  for (const v of versions) {
    const count = countText(v.channel.platform, v.text, v.maxTextLength);
    if (count.over) {
      localIssues.push({
        channelId: overrides[v.channel.id]?.text != null ? v.channel.id : null,
        field: 'content',
        message: `${-(count.remaining ?? 0)} too many for ${v.channel.name} (${platformName(v.channel.platform)} allows ${count.max}).`,
      });
    }
    const maxImages = capability(platformById.get(v.channel.platform), 'images');
    if (maxImages !== null && v.media.length > maxImages) {
      localIssues.push({
        channelId: null,
        field: 'media',
        message: `${v.channel.name} takes at most ${maxImages} image${maxImages === 1 ? '' : 's'}.`,
      });
    }
  }
  const scheduleState = mode === 'schedule' ? safeDescribe(when, zone) : 'ok';
  const scheduledInstant = mode === 'schedule' ? safeInstant(when, zone) : null;
  if (mode === 'schedule' && scheduledInstant && scheduledInstant.getTime() < Date.now()) {
    localIssues.push({
      channelId: null,
      field: 'scheduledAt',
      message: 'This time has passed. Pick a time in the future.',
    });
  }
  const allIssues = dedupe([...localIssues, ...serverIssues]);
  const issuesFor = (field: string, channelId: string | null = null) =>
    allIssues.filter(
      (i) =>
        fieldMatches(i.field, field) &&
        (channelId === null ? i.channelId === null : i.channelId === channelId),
    );
  const messageFor = (field: string, channelId: string | null = null) =>
    issuesFor(field, channelId)
      .map((i) => i.message)
      .join(' ') || null;
  const channelIssues = (channelId: string) => allIssues.filter((i) => i.channelId === channelId);
  const known = new Set(['content', 'media', 'scheduledAt', 'channelIds', 'title']);
  const otherIssues = allIssues.filter(
    (i) => i.channelId === null && ![...known].some((k) => fieldMatches(i.field, k)),
  );
  const blocking = allIssues.length > 0 || channelIds.length === 0;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(mode);
  };

  if (channels.isPending) return <Spinner />;
  if (channels.data && channels.data.length === 0) {
    return (
      <div className="stack">
        <PageHeader title="New post" />
        <Card>
          <EmptyState
            icon={<PlugZap size={36} aria-hidden="true" />}
            title="Connect a channel first"
            action={
              <Link to="/channels" className="btn btn-primary">
                Connect a channel
              </Link>
            }
          >
            Posts are published to connected channels. Connect one (the sandbox works without any account).
          </EmptyState>
        </Card>
      </div>
    );
  }

  const zoneDiffers = zone !== preferredZone && scheduledInstant;
  const overrideChannel = selected.find((c) => c.id === overrideTab) ?? selected[0];

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <PageHeader
        title={existing ? 'Edit post' : 'New post'}
        description={
          existing ? (
            <StatusBadge status={existing.status} />
          ) : (
            'Write once, publish to every channel you pick.'
          )
        }
      />
      <div className="composer">
        <div className="stack">
          <Card title="Channels">
            <fieldset
              style={{ border: 0, padding: 0, margin: 0 }}
              aria-describedby={messageFor('channelIds') ? 'channels-error' : undefined}
            >
              <legend className="sr-only">Publish to</legend>
              <div className="channel-picker">
                {(channels.data ?? []).map((c) => (
                  <label key={c.id} className="channel-option">
                    <input
                      type="checkbox"
                      checked={channelIds.includes(c.id)}
                      onChange={(e) =>
                        setChannelIds((prev) =>
                          e.target.checked ? [...prev, c.id] : prev.filter((id) => id !== c.id),
                        )
                      }
                    />
                    <ChannelAvatar channel={c} size="sm" />
                    <span>{c.name}</span>
                    <span className="small muted">{platformName(c.platform)}</span>
                    {c.connection.status !== 'active' ? <StatusBadge status={c.connection.status} /> : null}
                  </label>
                ))}
              </div>
            </fieldset>
            {channelIds.length === 0 ? (
              <p className="field-hint" style={{ marginTop: 8 }}>
                Pick at least one channel.
              </p>
            ) : null}
            {messageFor('channelIds') ? (
              <div id="channels-error" className="field-error" role="alert" style={{ marginTop: 8 }}>
                {messageFor('channelIds')}
              </div>
            ) : null}
          </Card>

          <Card title="Post">
            <div className="stack">
              <Field
                label="Title (optional)"
                hint="Used by platforms that show one; others ignore it."
                error={messageFor('title')}
              >
                {(p) => (
                  <input {...p} className="input" value={title} onChange={(e) => setTitle(e.target.value)} />
                )}
              </Field>
              <div className="field">
                <label htmlFor={ids.content}>Text</label>
                <textarea
                  id={ids.content}
                  className="textarea"
                  value={content}
                  onChange={(e) => setContent(e.target.value)}
                  placeholder="What would you like to share?"
                  aria-invalid={messageFor('content') ? true : undefined}
                  aria-describedby={`${ids.content}-counters${messageFor('content') ? ` ${ids.content}-error` : ''}`}
                />
                <div id={`${ids.content}-counters`} className="counters" aria-live="polite">
                  {uniquePlatforms(selected).map((platform) => (
                    <PlatformCounter
                      key={platform}
                      platform={platform}
                      text={content}
                      maxTextLength={capability(platformById.get(platform), 'maxTextLength')}
                    />
                  ))}
                </div>
                {messageFor('content') ? (
                  <div id={`${ids.content}-error`} className="field-error" role="alert">
                    {messageFor('content')}
                  </div>
                ) : null}
              </div>
            </div>
          </Card>

          <Card title="Media">
            <MediaEditor
              media={media}
              onChange={setMedia}
              error={messageFor('media') ?? messageFor('mediaIds')}
            />
          </Card>

          {selected.length > 0 && overrideChannel ? (
            <Card title="Customize per channel">
              <Tabs
                label="Channel to customize"
                items={selected.map((c) => ({
                  id: c.id,
                  label: (
                    <span className="row" style={{ gap: 6 }}>
                      {c.name}
                      {channelIssues(c.id).length ? <span className="badge badge-danger">!</span> : null}
                      {overrides[c.id] ? <span className="small muted">(custom)</span> : null}
                    </span>
                  ),
                }))}
                selected={overrideChannel.id}
                onSelect={setOverrideTab}
              >
                <OverridePanel
                  channel={overrideChannel}
                  platform={platformById.get(overrideChannel.platform)}
                  content={content}
                  media={media}
                  override={overrides[overrideChannel.id] ?? null}
                  issues={channelIssues(overrideChannel.id)}
                  onChange={(next) =>
                    setOverrides((prev) => {
                      const copy = { ...prev };
                      if (next) copy[overrideChannel.id] = next;
                      else delete copy[overrideChannel.id];
                      return copy;
                    })
                  }
                />
              </Tabs>
            </Card>
          ) : null}

          <Card title="When">
            <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
              <legend className="sr-only">When to publish</legend>
              <div className="row" style={{ gap: 18, marginBottom: 14 }}>
                {(
                  [
                    ['schedule', 'Schedule'],
                    ['now', 'Publish now'],
                    ['draft', 'Save as draft'],
                  ] as const
                ).map(([value, label]) => (
                  <label key={value} className="checkbox">
                    <input
                      type="radio"
                      name="mode"
                      value={value}
                      checked={mode === value}
                      onChange={() => setMode(value)}
                    />
                    {label}
                  </label>
                ))}
              </div>
            </fieldset>
            {mode === 'schedule' ? (
              <div className="stack-sm">
                <div className="form-grid">
                  <Field label="Date">
                    {(p) => (
                      <input
                        {...p}
                        className="input"
                        type="date"
                        required
                        value={when.date}
                        aria-invalid={messageFor('scheduledAt') ? true : undefined}
                        aria-describedby={`${ids.when}-hint`}
                        onChange={(e) => setWhen({ ...when, date: e.target.value })}
                      />
                    )}
                  </Field>
                  <Field label="Time">
                    {(p) => (
                      <input
                        {...p}
                        className="input"
                        type="time"
                        required
                        value={when.time}
                        aria-invalid={messageFor('scheduledAt') ? true : undefined}
                        aria-describedby={`${ids.when}-hint`}
                        onChange={(e) => setWhen({ ...when, time: e.target.value })}
                      />
                    )}
                  </Field>
                  <TimeZoneSelect value={zone} onChange={setZone} describedBy={`${ids.when}-hint`} />
                </div>
                <div id={`${ids.when}-hint`} className="field-hint">
                  {scheduledInstant
                    ? `${formatDateTime(scheduledInstant, zone)} ${offsetLabel(zone, scheduledInstant)}`
                    : 'Enter a date and time.'}
                  {zoneDiffers
                    ? ` · ${formatDateTime(scheduledInstant, preferredZone)} in ${preferredZone}`
                    : ''}
                </div>
                {scheduleState === 'skipped' ? (
                  <Notice kind="warning">
                    {when.time} does not exist on {when.date} in {zone} (the clocks go forward); it will go
                    out an hour later.
                  </Notice>
                ) : scheduleState === 'ambiguous' ? (
                  <Notice kind="info">
                    {when.time} happens twice on {when.date} in {zone} (the clocks go back); Herald uses the
                    first.
                  </Notice>
                ) : null}
                {messageFor('scheduledAt') || messageFor('schedule') ? (
                  <div className="field-error" role="alert">
                    {[messageFor('scheduledAt'), messageFor('schedule')].filter(Boolean).join(' ')}
                  </div>
                ) : null}
              </div>
            ) : mode === 'now' ? (
              <p className="muted">The post goes out as soon as you press Publish.</p>
            ) : (
              <p className="muted">Drafts are kept until you schedule or publish them.</p>
            )}
          </Card>
        </div>

        <div className="stack" style={{ position: 'sticky', top: 16 }}>
          <Card title="Preview">
            <Preview
              versions={versions}
              when={
                mode === 'schedule' && scheduledInstant
                  ? formatDateTime(scheduledInstant, zone, { year: undefined })
                  : mode === 'now'
                    ? 'now'
                    : 'draft'
              }
            />
          </Card>
        </div>
      </div>

      {otherIssues.length > 0 ? (
        <Notice kind="error" title="Fix these before publishing:">
          <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
            {otherIssues.map((i) => (
              <li key={`${i.field}:${i.message}`}>
                {i.field ? <code>{i.field}</code> : null} {i.message}
              </li>
            ))}
          </ul>
        </Notice>
      ) : null}
      {save.error && issuesOf(save.error).length === 0 ? (
        <ErrorNotice error={save.error} title="Not saved." />
      ) : null}

      <div className="sticky-actions">
        {validation.isFetching ? (
          <span className="small muted" role="status">
            Checking…
          </span>
        ) : null}
        {mode !== 'draft' ? (
          <Button
            onClick={() => save.mutate('draft')}
            busy={save.isPending && save.variables === 'draft'}
            disabled={save.isPending}
          >
            Save draft
          </Button>
        ) : null}
        <Button
          type="submit"
          variant="primary"
          busy={save.isPending && save.variables === mode}
          disabled={save.isPending || (mode !== 'draft' && blocking)}
        >
          {mode === 'schedule' ? 'Schedule' : mode === 'now' ? 'Publish now' : 'Save draft'}
        </Button>
      </div>
    </form>
  );
}

function OverridePanel({
  channel,
  platform,
  content,
  media,
  override,
  issues,
  onChange,
}: {
  channel: Channel;
  platform: Platform | undefined;
  content: string;
  media: Media[];
  override: Override | null;
  issues: ValidationIssue[];
  onChange(next: Override | null): void;
}) {
  const textId = useId();
  const customText = override?.text ?? null;
  const customMedia = override?.mediaIds ?? null;
  const textError = issues
    .filter((i) => fieldMatches(i.field, 'content'))
    .map((i) => i.message)
    .join(' ');
  const mediaError = issues
    .filter((i) => fieldMatches(i.field, 'media') || fieldMatches(i.field, 'mediaIds'))
    .map((i) => i.message)
    .join(' ');
  const other = issues.filter(
    (i) =>
      !fieldMatches(i.field, 'content') &&
      !fieldMatches(i.field, 'media') &&
      !fieldMatches(i.field, 'mediaIds'),
  );
  const update = (patch: Partial<Override>) => {
    const next = { text: customText, mediaIds: customMedia, ...patch };
    onChange(next.text === null && next.mediaIds === null ? null : next);
  };
  return (
    <div className="stack">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={customText !== null}
          onChange={(e) => update({ text: e.target.checked ? content : null })}
        />
        Different text for {channel.name}
      </label>
      {customText !== null ? (
        <div className="field">
          <label htmlFor={textId}>Text for {channel.name}</label>
          <textarea
            id={textId}
            className="textarea"
            value={customText}
            aria-invalid={textError ? true : undefined}
            aria-describedby={textError ? `${textId}-error` : undefined}
            onChange={(e) => update({ text: e.target.value })}
          />
          <div className="counters">
            <PlatformCounter
              platform={channel.platform}
              text={customText}
              maxTextLength={capability(platform, 'maxTextLength')}
            />
          </div>
        </div>
      ) : (
        <p className="small muted">Uses the post's text.</p>
      )}
      {textError ? (
        <div id={`${textId}-error`} className="field-error" role="alert">
          {textError}
        </div>
      ) : null}
      {media.length > 0 ? (
        <>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={customMedia !== null}
              onChange={(e) => update({ mediaIds: e.target.checked ? media.map((m) => m.id) : null })}
            />
            Choose which media {channel.name} gets
          </label>
          {customMedia !== null ? (
            <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
              <legend className="sr-only">Media for {channel.name}</legend>
              {media.map((m, index) => (
                <label key={m.id} className="checkbox small">
                  <input
                    type="checkbox"
                    checked={customMedia.includes(m.id)}
                    onChange={(e) =>
                      update({
                        mediaIds: e.target.checked
                          ? media.filter((x) => x.id === m.id || customMedia.includes(x.id)).map((x) => x.id)
                          : customMedia.filter((id) => id !== m.id),
                      })
                    }
                  />
                  Image {index + 1}
                  {m.altText ? ` (${m.altText.slice(0, 24)})` : ''}
                </label>
              ))}
            </fieldset>
          ) : null}
        </>
      ) : null}
      {mediaError ? (
        <div className="field-error" role="alert">
          {mediaError}
        </div>
      ) : null}
      {other.map((i) => (
        <div key={`${i.field}:${i.message}`} className="field-error" role="alert">
          {i.message}
        </div>
      ))}
    </div>
  );
}

function uniquePlatforms(channels: Channel[]): string[] {
  return [...new Set(channels.map((c) => c.platform))];
}

/** `content`, `body.content`, `overrides.<id>.content` all name the content field. */
function fieldMatches(field: string, name: string): boolean {
  return (
    field === name ||
    field.endsWith(`.${name}`) ||
    field.startsWith(`${name}.`) ||
    field.startsWith(`${name}[`)
  );
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.channelId}|${i.field}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function safeInstant(when: LocalDateTime, zone: string): Date | null {
  try {
    return zonedToInstant(when, zone);
  } catch {
    return null;
  }
}

function safeDescribe(when: LocalDateTime, zone: string): ReturnType<typeof describeLocalTime> {
  try {
    return describeLocalTime(when, zone);
  } catch {
    return 'ok';
  }
}
