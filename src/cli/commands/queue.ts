/** `herald queue list|retry`: the publishing queue of a workspace, as the queue view shows it. */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { findWorkspace } from '../../features/auth/find-workspace.ts';
import { type JobState, jobStates, listJobs } from '../../features/jobs/list-jobs.ts';
import { retryJob } from '../../features/jobs/retry-job.ts';
import { printObject, printRows } from '../output.ts';
import { parseInput, positiveInt } from '../parse-input.ts';
import { withDeps } from '../with-deps.ts';

/** The same bound as the `GET /jobs` query. */
const MAX_LIMIT = 500;

type ListOptions = { workspace: string; state?: JobState; limit: number; json?: boolean };

const excerpt = (text: string, length = 40) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
};

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description('the publishing queue');

  queue
    .command('list')
    .description('targets waiting, running, deferred, retrying, failed or needing attention')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .addOption(new Option('--state <state>', 'only targets in this state').choices(Object.keys(jobStates)))
    .addOption(
      new Option('--limit <n>', `at most this many (up to ${MAX_LIMIT})`).argParser(positiveInt).default(100),
    )
    .option('--json', 'print JSON')
    .action((options: ListOptions) => {
      const limit = parseInput(z.number().max(MAX_LIMIT), options.limit, { '': '--limit' });
      return withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const jobs = await listJobs(deps, { workspaceId: workspace.id, state: options.state, limit });
        if (options.json) return printRows(jobs, options);
        printRows(
          jobs.map((j) => ({
            targetId: j.targetId,
            status: j.status,
            due: j.nextAttemptAt ?? j.scheduledAt,
            channel: `${j.channelName} (${j.platform})`,
            attempts: `${j.attempts}/${j.maxAttempts}`,
            post: excerpt(j.postTitle ?? j.postExcerpt),
            error: j.errorMessage ? excerpt(`${j.errorCode ?? 'error'}: ${j.errorMessage}`, 60) : '',
          })),
          options,
        );
      });
    });

  queue
    .command('retry')
    .description('run a target now: a failed one gets a fresh attempt budget, a waiting one skips its wait')
    .argument('<targetId>', 'the target (from `herald queue list`)')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((targetId: string, options: { workspace: string; json?: boolean }) => {
      parseInput(z.uuid(), targetId, { '': '<targetId>' });
      return withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const result = await retryJob(deps, { workspaceId: workspace.id, targetId });
        if (options.json) return printObject(result, options);
        process.stdout.write(
          `Target ${result.targetId} is ${result.status}; it runs as soon as a worker is free ` +
            '(`herald start` or `herald worker`).\n',
        );
      });
    });
}
