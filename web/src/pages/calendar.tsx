/**
 * Month and week views of scheduled and published posts in the user's time zone. Drag a scheduled post
 * to reschedule it; click an empty day or slot to write a post for that time.
 */
import FullCalendar from '@fullcalendar/react';
import dayGridPlugin from '@fullcalendar/react/daygrid';
import interactionPlugin from '@fullcalendar/react/interaction';
import listPlugin from '@fullcalendar/react/list';
import breezyTheme from '@fullcalendar/react/themes/breezy';
import timeGridPlugin from '@fullcalendar/react/timegrid';
import '@fullcalendar/react/skeleton.css';
import '@fullcalendar/react/themes/breezy/theme.css';
import '@fullcalendar/react/themes/breezy/palettes/indigo.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  AlertTriangle,
  Ban,
  Check,
  Clock,
  FileText,
  type LucideIcon,
  PenSquare,
  RefreshCw,
  Send,
  X,
} from 'lucide-react';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { PostSummary } from '../api/types';
import { useTimeZone } from '../app/preferences';
import { useChannels, usePosts } from '../app/queries';
import { useWorkspace } from '../app/session';
import { channelColor } from '../components/channel';
import { useFeedback } from '../components/feedback';
import { statusLabel, statusTone } from '../components/status';
import { TimeZoneSelect } from '../components/time-zone-select';
import { ErrorNotice, PageHeader } from '../components/ui';
import { instantToZoned } from '../lib/time';

const MOVABLE = new Set(['scheduled', 'draft', 'failed']);

/** Each status has its own icon as well as its colour, so colour is never the only sign. */
const STATUS_ICONS: Record<string, LucideIcon> = {
  draft: FileText,
  scheduled: Clock,
  publishing: Send,
  retrying: RefreshCw,
  published: Check,
  partially_published: AlertTriangle,
  failed: X,
  cancelled: Ban,
};

/** Whether the user's locale writes times on a 12-hour clock (en-US) or a 24-hour one (en-GB, fr). */
function usesTwelveHourClock(): boolean {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hour12 === true;
}

function isPhone(): boolean {
  return window.matchMedia('(max-width: 700px)').matches;
}

export function CalendarPage() {
  const workspace = useWorkspace();
  const navigate = useNavigate();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const [zone, setZone] = useTimeZone();
  // Deep links: /calendar?date=2025-03-30&view=week
  const [params] = useSearchParams();
  const views: Record<string, string> = { month: 'dayGridMonth', week: 'timeGridWeek', agenda: 'listWeek' };
  const initialView = views[params.get('view') ?? ''] ?? (isPhone() ? 'listWeek' : 'dayGridMonth');
  const initialDate = /^\d{4}-\d{2}-\d{2}$/.test(params.get('date') ?? '') ? params.get('date')! : undefined;
  const [timeFormat] = useState(
    () => ({ hour: '2-digit', minute: '2-digit', hour12: usesTwelveHourClock() }) as const,
  );
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const [viewType, setViewType] = useState(initialView);
  const channels = useChannels();
  const posts = usePosts(
    { from: range?.from, to: range?.to, limit: 100 },
    {
      refetchInterval: 20_000,
      enabled: range !== null,
    },
  );
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [showCancelled, setShowCancelled] = useState(params.get('cancelled') !== 'hide');

  const reschedule = useMutation({
    mutationFn: ({ id, at }: { id: string; at: string }) =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/posts/{postId}/schedule', {
          params: { path: { workspaceId: workspace.id, postId: id } },
          body: { scheduledAt: at },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['ws', workspace.id] }),
  });

  const events = useMemo(() => {
    const items: PostSummary[] = range ? (posts.data?.items ?? []) : [];
    return items.flatMap((post) => {
      const start = post.scheduledAt ?? post.publishedAt;
      if (!start) return [];
      if (!showCancelled && post.status === 'cancelled') return [];
      const channelIds = post.targets.map((t) => t.channelId);
      if (channelIds.length > 0 && channelIds.every((id) => hidden.has(id))) return [];
      const color = channelIds[0] ? channelColor(channelIds[0]) : '#667085';
      return [
        {
          id: post.id,
          title: post.content || post.title || 'Untitled post',
          start,
          allDay: false,
          color,
          backgroundColor: color,
          borderColor: color,
          textColor: '#ffffff',
          editable: workspace.canEdit && MOVABLE.has(post.status),
          classNames: [`cal-status-${post.status}`],
          extendedProps: { status: post.status, channelIds },
        },
      ];
    });
  }, [posts.data, range, hidden, workspace.canEdit, showCancelled]);

  const toggleChannel = (id: string) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="stack">
      <PageHeader
        title="Calendar"
        description={
          workspace.canEdit
            ? 'Drag a scheduled post to move it. Click an empty slot to write a post for that time.'
            : 'Scheduled and published posts.'
        }
        actions={
          <>
            <div style={{ minWidth: 220 }}>
              <TimeZoneSelect value={zone} onChange={setZone} label="Times in" inline />
            </div>
            {workspace.canEdit ? (
              <Link to="/compose" className="btn btn-primary">
                <PenSquare size={16} aria-hidden="true" /> New post
              </Link>
            ) : null}
          </>
        }
      />
      {posts.isError ? <ErrorNotice error={posts.error} title="Posts could not be loaded." /> : null}
      {channels.data && channels.data.length > 0 ? (
        <fieldset className="legend" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="sr-only">Show channels</legend>
          {channels.data.map((c) => (
            <label key={c.id} className="checkbox small">
              <input type="checkbox" checked={!hidden.has(c.id)} onChange={() => toggleChannel(c.id)} />
              <span className="channel-dot" style={{ background: channelColor(c.id) }} aria-hidden="true" />
              {c.name}
            </label>
          ))}
        </fieldset>
      ) : null}
      <fieldset className="legend" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="sr-only">Show statuses</legend>
        <label className="checkbox small">
          <input
            type="checkbox"
            checked={showCancelled}
            onChange={(e) => setShowCancelled(e.target.checked)}
          />
          Show cancelled posts
        </label>
        <span className="small muted" aria-hidden="true">
          {['scheduled', 'published', 'failed', 'cancelled'].map((status) => (
            <StatusMark key={status} status={status} withLabel />
          ))}
        </span>
      </fieldset>
      <div className="card calendar-card">
        <FullCalendar
          plugins={[breezyTheme, dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin]}
          initialView={initialView}
          {...(initialDate ? { initialDate } : {})}
          headerToolbar={{
            start: 'prev,next today',
            center: 'title',
            end: 'dayGridMonth,timeGridWeek,listWeek',
          }}
          buttons={{ listWeek: { text: 'Agenda' } }}
          todayHint="Go to today"
          timeZone={zone}
          // Week view gets a fixed height, so it has a scroller that opens at the working day.
          height={viewType.startsWith('timeGrid') ? 720 : 'auto'}
          firstDay={1}
          nowIndicator
          dayMaxEvents={4}
          // Week view opens at the working day: a fixed height gives it a scroller to place.
          scrollTime="08:00:00"
          views={{ timeGridWeek: { slotHeaderFormat: timeFormat } }}
          // Times as the user's locale writes them, the same everywhere on the page.
          eventTimeFormat={timeFormat}
          events={events}
          eventStartEditable={workspace.canEdit}
          eventDurationEditable={false}
          eventDisplay="block"
          allDaySlot={false}
          datesSet={(info) => {
            setRange({ from: info.start.toISOString(), to: info.end.toISOString() });
            setViewType(info.view.type);
          }}
          eventClick={(info) => {
            info.jsEvent.preventDefault();
            navigate(`/posts/${info.event.id}`);
          }}
          dateClick={(info) => {
            if (!workspace.canEdit) return;
            // A day cell (month view) has no time: compose for that day at the usual hour.
            if (info.allDay) navigate(`/compose?date=${info.dateStr.slice(0, 10)}`);
            else
              navigate(`/compose?at=${encodeURIComponent(new Date(Date.parse(info.dateStr)).toISOString())}`);
          }}
          eventDrop={(info) => {
            const at = new Date(Date.parse(info.event.startStr));
            if (at.getTime() < Date.now()) {
              info.revert();
              feedback.error(new Error('A post cannot be moved into the past. Pick a later time.'));
              return;
            }
            reschedule.mutate(
              { id: info.event.id, at: at.toISOString() },
              {
                onSuccess: () => {
                  const local = instantToZoned(at, zone);
                  feedback.success(`Rescheduled to ${local.date} ${local.time} (${zone}).`);
                },
                onError: (error) => {
                  info.revert();
                  feedback.error(error);
                },
              },
            );
          }}
          eventContent={(arg) => {
            const status = arg.event.extendedProps.status as string;
            const channelIds = arg.event.extendedProps.channelIds as string[];
            return (
              <div
                className={arg.view.type.startsWith('list') ? 'cal-event cal-event-list' : 'cal-event'}
                title={`${statusLabel(status)}: ${arg.event.title}`}
                data-status={status}
              >
                <StatusMark status={status} withLabel={arg.view.type.startsWith('list')} />
                {arg.timeText ? <b>{arg.timeText}</b> : null}
                {channelIds.length > 1 ? (
                  <span className="cal-event-dots" aria-hidden="true">
                    {channelIds.map((id) => (
                      <span key={id} style={{ background: channelColor(id) }} />
                    ))}
                  </span>
                ) : null}
                <span className="cal-event-text">{arg.event.title}</span>
              </div>
            );
          }}
        />
      </div>
    </div>
  );
}

/** A status as an icon in a tinted chip, with its name (visible, or for screen readers only). */
function StatusMark({ status, withLabel }: { status: string; withLabel?: boolean }) {
  const Icon = STATUS_ICONS[status] ?? Clock;
  return (
    <span className={`cal-status cal-status-tone-${statusTone(status)}`}>
      <Icon size={11} aria-hidden="true" strokeWidth={2.5} />
      {withLabel ? (
        <span>{statusLabel(status)}</span>
      ) : (
        <span className="sr-only">{statusLabel(status)}</span>
      )}
    </span>
  );
}
