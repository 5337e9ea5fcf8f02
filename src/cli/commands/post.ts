/** `herald post create|list|show|cancel`: posts of a workspace, through the posts use-cases. */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { postStatuses } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { findWorkspace } from '../../features/auth/find-workspace.ts';
import { findMember } from '../../features/members/list-members.ts';
import { cancelPost } from '../../features/posts/cancel-post.ts';
import { createPost } from '../../features/posts/create-post.ts';
import { getPost } from '../../features/posts/get-post.ts';
import { listPosts } from '../../features/posts/list-posts.ts';
import { listQuery, type PostView, postInput } from '../../features/posts/posts.schemas.ts';
import { requireUserByEmail } from '../find-user.ts';
import { printObject, printRows } from '../output.ts';
import { collect, parseInput, positiveInt, withFlagNames } from '../parse-input.ts';
import { withDeps } from '../with-deps.ts';

/** API fields of a post → the flags that set them, so errors name what the user typed. */
const flags = {
  title: '--title',
  content: '--text',
  channelIds: '--channel',
  mediaIds: '--media',
  scheduledAt: '--at',
  'schedule.localTime': '--local',
  'schedule.timezone': '--tz',
  publishNow: '--now',
  status: '--status',
  q: '--q',
  limit: '--limit',
  cursor: '--cursor',
};

const postIdInput = z.uuid();

type CreateOptions = {
  workspace: string;
  channel?: string[];
  text: string;
  title?: string;
  at?: string;
  local?: string;
  tz?: string;
  now?: boolean;
  media?: string[];
  as?: string;
  json?: boolean;
};

type ListOptions = {
  workspace: string;
  status?: string;
  q?: string;
  limit?: number;
  cursor?: string;
  json?: boolean;
};

const excerpt = (text: string, length = 50) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
};

/** A post for people: its fields, then one table of targets and one of attempts. */
function humanPost(post: PostView) {
  return {
    id: post.id,
    status: post.status,
    ...(post.title ? { title: post.title } : {}),
    scheduledAt: post.scheduledAt,
    ...(post.timezone ? { timezone: post.timezone } : {}),
    publishedAt: post.publishedAt,
    createdAt: post.createdAt,
    published: `${post.publishedCount} of ${post.targetCount} targets`,
    ...(post.failedCount ? { failed: post.failedCount } : {}),
    ...(post.mediaIds.length ? { media: post.mediaIds } : {}),
    content: post.content.includes('\n') ? post.content : post.content || '(empty)',
    targets: post.targets.length
      ? post.targets.map((t) => ({
          targetId: t.id,
          channel: `${t.channelName} (${t.platform})`,
          status: t.status,
          scheduledAt: t.scheduledAt,
          attempts: `${t.attempts}/${t.maxAttempts}`,
          url: t.remoteUrl,
          error: t.errorMessage ? `${t.errorCode ?? 'error'}: ${t.errorMessage}` : '',
        }))
      : '(none)',
    ...(post.targets.some((t) => t.attemptsLog.length)
      ? {
          attempts: post.targets.flatMap((t) =>
            t.attemptsLog.map((a) => ({
              targetId: t.id,
              attempt: a.attemptNumber,
              outcome: a.outcome,
              startedAt: a.startedAt,
              durationMs: a.durationMs,
              error: a.errorMessage ? `${a.errorCode ?? 'error'}: ${a.errorMessage}` : '',
            })),
          ),
        }
      : {}),
  };
}

function printPost(post: PostView, options: { json?: boolean | undefined }) {
  printObject(options.json ? post : humanPost(post), options);
}

/** The author named by `--as`: a member of the workspace who may write (not a viewer). */
async function authorFor(deps: Deps, options: { email: string; workspaceId: string }): Promise<string> {
  const user = await requireUserByEmail(deps, { email: options.email, flag: '--as' });
  const member = await findMember(deps.db, { workspaceId: options.workspaceId, userId: user.id });
  if (!member) throw new AppError('forbidden', `--as: ${user.email} is not a member of this workspace`);
  if (member.role === 'viewer')
    throw new AppError('forbidden', `--as: ${user.email} is a viewer and cannot write posts`);
  return user.id;
}

/** Runs a posts use-case, naming flags in its field errors. */
async function naming<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw withFlagNames(error, flags);
  }
}

export function registerPostCommands(program: Command): void {
  const post = program.command('post').description('posts');

  post
    .command('create')
    .description('create a post: a draft, or scheduled with --at, --local/--tz or --now')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--channel <id>', 'publish to this channel (repeat for several)', collect)
    .requiredOption('--text <text>', 'the post text')
    .option('--title <title>', 'a title, for platforms that have one')
    .addOption(
      new Option('--at <time>', 'publish at this RFC 3339 instant, e.g. 2030-05-01T09:00:00Z').conflicts([
        'local',
        'now',
      ]),
    )
    .addOption(
      new Option('--local <time>', 'publish at this wall-clock time, YYYY-MM-DDTHH:mm (with --tz)').conflicts(
        'now',
      ),
    )
    .option('--tz <zone>', 'IANA time zone of --local, e.g. Europe/Paris')
    .option('--now', 'publish as soon as a worker is free')
    .option('--media <mediaId>', 'attach this media (repeat for several)', collect)
    .option('--as <email>', 'the author (a member of the workspace); default: none')
    .option('--json', 'print JSON')
    .action((options: CreateOptions) => {
      if ((options.local === undefined) !== (options.tz === undefined)) {
        throw new AppError('invalid', '--local and --tz go together: a wall-clock time needs its time zone');
      }
      const input = parseInput(
        postInput,
        {
          title: options.title,
          content: options.text,
          channelIds: options.channel ?? [],
          mediaIds: options.media ?? [],
          scheduledAt: options.at,
          schedule:
            options.local !== undefined ? { localTime: options.local, timezone: options.tz } : undefined,
          publishNow: options.now,
        },
        flags,
      );
      return withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const authorId = options.as
          ? await authorFor(deps, { email: options.as, workspaceId: workspace.id })
          : null;
        const created = await naming(() => createPost(deps, { workspaceId: workspace.id, authorId, input }));
        if (!options.json) {
          const when = created.scheduledAt ? `scheduled for ${created.scheduledAt.toISOString()}` : 'a draft';
          process.stdout.write(`Created post ${created.id}: ${when}\n\n`);
        }
        printPost(created, options);
      });
    });

  post
    .command('list')
    .description("a workspace's posts, newest first")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .addOption(new Option('--status <status>', 'only posts with this status').choices(postStatuses))
    .option('--q <words>', 'full-text search in title and text')
    .addOption(new Option('--limit <n>', 'at most this many (up to 200)').argParser(positiveInt))
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .option('--json', 'print JSON ({ items, nextCursor }, as the API)')
    .action((options: ListOptions) => {
      const query = parseInput(
        listQuery,
        { status: options.status, q: options.q, limit: options.limit, cursor: options.cursor },
        flags,
      );
      return withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const page = await naming(() => listPosts(deps, { workspaceId: workspace.id, ...query }));
        if (options.json) return printObject(page, options);
        printRows(
          page.items.map((p) => ({
            id: p.id,
            status: p.status,
            scheduledAt: p.scheduledAt,
            published: `${p.publishedCount}/${p.targetCount}`,
            channels: p.targets.map((t) => t.channelName).join(', '),
            text: excerpt(p.title ?? p.content),
          })),
          options,
        );
        if (page.nextCursor) process.stdout.write(`\nmore: --cursor ${page.nextCursor}\n`);
      });
    });

  post
    .command('show')
    .description('a post with its targets and attempt log')
    .argument('<postId>', 'the post')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((postId: string, options: { workspace: string; json?: boolean }) => {
      parseInput(postIdInput, postId, { '': '<postId>' });
      return withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        printPost(await getPost(deps.db, { workspaceId: workspace.id, postId }), options);
      });
    });

  post
    .command('cancel')
    .description('cancel the targets still waiting to go out (published ones stay)')
    .argument('<postId>', 'the post')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((postId: string, options: { workspace: string; json?: boolean }) => {
      parseInput(postIdInput, postId, { '': '<postId>' });
      return withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const cancelled = await cancelPost(deps, { workspaceId: workspace.id, postId });
        if (!options.json) process.stdout.write(`Cancelled the waiting targets of post ${postId}\n\n`);
        printPost(cancelled, options);
      });
    });
}
