/**
 * Herald's tables. drizzle-kit turns changes here into reviewed SQL migrations under `drizzle/`;
 * triggers, functions and views live in hand-written migrations beside them.
 *
 * Glossary:
 * - workspace: the tenant every resource belongs to; users are members with a role.
 * - platform app: OAuth client credentials for a platform, instance-wide or brought by a workspace.
 * - connection: one OAuth grant (encrypted tokens, expiry, status, health) for one platform account.
 * - channel: a destination Herald can publish to under a connection (profile, Page, subreddit, …).
 * - post: content written once; a post target is that post on one channel.
 * - attempt: one try at publishing one target, logged whatever its outcome.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const roles = ['admin', 'user', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const workspaces = pgTable('workspaces', {
  id: id(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  plan: text('plan').notNull().default('self_hosted'),
  settings: jsonb('settings').notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    isInstanceAdmin: boolean('is_instance_admin').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    lastLoginAt: tstz('last_login_at'),
    preferences: jsonb('preferences').notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
);

export const memberships = pgTable(
  'memberships',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: roles }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    index('memberships_user_idx').on(t.userId),
    check('memberships_role_check', sql`${t.role} in ('admin','user','viewer')`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the cookie value; the cookie itself is never stored. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: tstz('expires_at').notNull(),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** sha256 of the token; the token is shown once at creation. */
    tokenHash: text('token_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    lastUsedAt: tstz('last_used_at'),
    expiresAt: tstz('expires_at'),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId)],
);

export const accountTokenKinds = ['password_reset', 'invitation'] as const;
export type AccountTokenKind = (typeof accountTokenKinds)[number];

/** One-time links that let a person set a password: an admin's reset, or an invitation. */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: accountTokenKinds }).notNull(),
    /** sha256 of the token; the link is shown once. */
    tokenHash: text('token_hash').notNull().unique(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('account_tokens_user_idx').on(t.userId),
    check('account_tokens_kind_check', sql`${t.kind} in ('password_reset','invitation')`),
  ],
);

export const workspaceCreatorPolicies = ['instance_admins', 'admins_and_users', 'everyone'] as const;
export type WorkspaceCreatorPolicy = (typeof workspaceCreatorPolicies)[number];

/** Instance-wide settings, one row. */
export const instanceSettings = pgTable(
  'instance_settings',
  {
    id: boolean('id').primaryKey().default(true),
    /** Who may create workspaces: instance admins only, also users who are not only viewers, or anyone. */
    workspaceCreators: text('workspace_creators', { enum: workspaceCreatorPolicies })
      .notNull()
      .default('admins_and_users'),
    updatedAt: updatedAt(),
  },
  () => [
    check('instance_settings_one_row', sql`id`),
    check(
      'instance_settings_workspace_creators_check',
      sql`workspace_creators in ('instance_admins','admins_and_users','everyone')`,
    ),
  ],
);

export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: id(),
    key: text('key').notNull(),
    succeeded: boolean('succeeded').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('login_attempts_key_time_idx').on(t.key, t.createdAt)],
);

/** Seed 000 `platform_auth_config` + seed 003 `oauth_consoles`. */
export const platformApps = pgTable(
  'platform_apps',
  {
    id: id(),
    /** null: offered to every workspace of the instance. */
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    name: text('name').notNull(),
    /** null for platforms without OAuth clients (sign-in forms: Bluesky, Ghost). */
    clientId: text('client_id'),
    /** Encrypted (see src/crypto/secrets.ts). */
    clientSecret: text('client_secret'),
    scopes: text('scopes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Base URL for self-hosted instances (Mastodon, Ghost) and the sandbox. */
    baseUrl: text('base_url'),
    settings: jsonb('settings').notNull().default({}),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('platform_apps_platform_idx').on(t.platform, t.workspaceId)],
);

export const oauthStates = pgTable('oauth_states', {
  /** sha256 of the `state` parameter. */
  id: text('id').primaryKey(),
  workspaceId: uuid('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  platform: text('platform').notNull(),
  platformAppId: uuid('platform_app_id')
    .notNull()
    .references(() => platformApps.id, { onDelete: 'cascade' }),
  /** Encrypted PKCE verifier. */
  codeVerifier: text('code_verifier').notNull(),
  /** Set when re-authorising an existing connection. */
  connectionId: uuid('connection_id'),
  returnTo: text('return_to'),
  expiresAt: tstz('expires_at').notNull(),
  createdAt: createdAt(),
});

export const connectionStatuses = ['active', 'expired', 'revoked', 'error', 'pending'] as const;
export const connectionHealths = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;

/** Seed 000 `platform_accounts`, seed 001 `social_accounts` (token part), seed 003 `channel_tokens`. */
export const connections = pgTable(
  'connections',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    platformAppId: uuid('platform_app_id').references(() => platformApps.id, { onDelete: 'set null' }),
    externalAccountId: text('external_account_id').notNull(),
    username: text('username'),
    displayName: text('display_name'),
    avatarUrl: text('avatar_url'),
    /** Encrypted. */
    accessToken: text('access_token'),
    /** Encrypted. */
    refreshToken: text('refresh_token'),
    tokenExpiresAt: tstz('token_expires_at'),
    /** When the current access token was issued; with the expiry it gives the token's lifetime. */
    tokenIssuedAt: tstz('token_issued_at'),
    scopes: text('scopes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: text('status', { enum: connectionStatuses }).notNull().default('active'),
    health: text('health', { enum: connectionHealths }).notNull().default('unknown'),
    lastError: text('last_error'),
    lastRefreshedAt: tstz('last_refreshed_at'),
    lastUsedAt: tstz('last_used_at'),
    /** Lease that serialises token refreshes across processes (never held across a transaction). */
    refreshLeaseUntil: tstz('refresh_lease_until'),
    metadata: jsonb('metadata').notNull().default({}),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('connections_account_idx').on(t.workspaceId, t.platform, t.externalAccountId),
    index('connections_expiry_idx')
      .on(t.tokenExpiresAt)
      .where(sql`${t.status} = 'active' and ${t.refreshToken} is not null`),
    check('connections_status_check', sql`${t.status} in ('active','expired','revoked','error','pending')`),
    check('connections_health_check', sql`${t.health} in ('healthy','degraded','unhealthy','unknown')`),
  ],
);

/** Seed 003 `channel_tokens`: every token a connection has held, kept when it rotates. */
export const tokenHistory = pgTable(
  'token_history',
  {
    id: id(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    /** Encrypted. */
    accessToken: text('access_token'),
    /** Encrypted. */
    refreshToken: text('refresh_token'),
    expiresAt: tstz('expires_at'),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('token_history_connection_idx').on(t.connectionId, t.createdAt)],
);

/** Seed 003 `reauth_audit`: every refresh and re-authorisation attempt. */
export const reauthAudit = pgTable(
  'reauth_audit',
  {
    id: id(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['refresh', 'reauthorize'] }).notNull(),
    trigger: text('trigger').notNull(),
    succeeded: boolean('succeeded').notNull(),
    errorMessage: text('error_message'),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('reauth_audit_connection_idx').on(t.connectionId, t.createdAt)],
);

export const channels = pgTable(
  'channels',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    externalId: text('external_id').notNull(),
    kind: text('kind').notNull().default('profile'),
    name: text('name').notNull(),
    username: text('username'),
    avatarUrl: text('avatar_url'),
    url: text('url'),
    isActive: boolean('is_active').notNull().default(true),
    followersCount: integer('followers_count'),
    followingCount: integer('following_count'),
    postsCount: integer('posts_count'),
    lastPostedAt: tstz('last_posted_at'),
    lastSyncedAt: tstz('last_synced_at'),
    metadata: jsonb('metadata').notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('channels_external_idx').on(t.connectionId, t.externalId),
    index('channels_workspace_idx').on(t.workspaceId, t.platform),
  ],
);

export const postStatuses = [
  'draft',
  'scheduled',
  'publishing',
  'published',
  'partially_published',
  'failed',
  'cancelled',
] as const;
export type PostStatus = (typeof postStatuses)[number];
export const contentTypes = [
  'text',
  'image',
  'video',
  'carousel',
  'story',
  'reel',
  'mixed',
  'thread',
] as const;

export const posts = pgTable(
  'posts',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    title: text('title'),
    content: text('content').notNull().default(''),
    contentType: text('content_type', { enum: contentTypes }).notNull().default('text'),
    status: text('status', { enum: postStatuses }).notNull().default('draft'),
    scheduledAt: tstz('scheduled_at'),
    timezone: text('timezone'),
    publishedAt: tstz('published_at'),
    failedAt: tstz('failed_at'),
    /** Higher goes first among posts due at the same time. */
    priority: integer('priority').notNull().default(0),
    hashtags: jsonb('hashtags').$type<string[]>().notNull().default([]),
    mentions: jsonb('mentions').$type<string[]>().notNull().default([]),
    metadata: jsonb('metadata').notNull().default({}),
    contentHash: text('content_hash'),
    /** Denormalised by trigger from post_targets (seed 000). */
    targetCount: integer('target_count').notNull().default(0),
    publishedCount: integer('published_count').notNull().default(0),
    failedCount: integer('failed_count').notNull().default(0),
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql`to_tsvector('simple', coalesce(title, '') || ' ' || content)`,
    ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('posts_workspace_created_idx').on(t.workspaceId, t.createdAt, t.id),
    // Lists filtered by status, newest first.
    index('posts_workspace_status_idx').on(t.workspaceId, t.status, t.createdAt, t.id),
    // The calendar's range: when a post happens (scheduled, else published, else created).
    index('posts_workspace_when_idx').on(
      t.workspaceId,
      sql`coalesce(${t.scheduledAt}, ${t.publishedAt}, ${t.createdAt})`,
    ),
    index('posts_workspace_scheduled_idx').on(t.workspaceId, t.scheduledAt),
    index('posts_search_idx').using('gin', t.searchVector),
    index('posts_hashtags_idx').using('gin', t.hashtags),
    index('posts_content_hash_idx').on(t.workspaceId, t.contentHash),
    // Dashboard "published today" (seed 000 dashboard stats).
    index('posts_workspace_published_idx')
      .on(t.workspaceId, t.publishedAt)
      .where(sql`${t.publishedAt} is not null`),
    check(
      'posts_status_check',
      sql`${t.status} in ('draft','scheduled','publishing','published','partially_published','failed','cancelled')`,
    ),
  ],
);

/**
 * Posts per status, kept by triggers (migration 0012) as append-only delta rows (+1 / -1) that
 * readers sum per workspace and `herald_compact_status_counts` folds together now and then.
 */
export const postStatusCounts = pgTable(
  'post_status_counts',
  {
    workspaceId: uuid('workspace_id').notNull(),
    status: text('status').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [index('post_status_counts_workspace_idx').on(t.workspaceId)],
);

export const media = pgTable(
  'media',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ['image', 'video', 'gif', 'audio', 'document'] }).notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    width: integer('width'),
    height: integer('height'),
    durationSeconds: integer('duration_seconds'),
    altText: text('alt_text'),
    originalName: text('original_name'),
    sha256: text('sha256').notNull(),
    storageProvider: text('storage_provider').notNull().default('local'),
    storageKey: text('storage_key').notNull(),
    sourceUrl: text('source_url'),
    metadata: jsonb('metadata').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('media_workspace_idx').on(t.workspaceId, t.createdAt, t.id),
    index('media_workspace_storage_idx').on(t.workspaceId, t.storageKey),
  ],
);

export const postMedia = pgTable(
  'post_media',
  {
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    mediaId: uuid('media_id')
      .notNull()
      .references(() => media.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.mediaId] }), index('post_media_media_idx').on(t.mediaId)],
);

export const targetStatuses = [
  'draft',
  'scheduled',
  'publishing',
  'retrying',
  'deferred',
  'waiting_reauth',
  'published',
  'failed',
  'unknown',
  'missed',
  'cancelled',
] as const;
export type TargetStatus = (typeof targetStatuses)[number];

/** Seed 000 `post_targets`, seed 001 `post_publications`, seed 003 `publish_tasks`. */
export const postTargets = pgTable(
  'post_targets',
  {
    id: id(),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'restrict' }),
    platform: text('platform').notNull(),
    status: text('status', { enum: targetStatuses }).notNull().default('draft'),
    /** Per-channel overrides; null means "use the post's". */
    contentOverride: text('content_override'),
    mediaOverride: jsonb('media_override').$type<string[] | null>(),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    scheduledAt: tstz('scheduled_at'),
    priority: integer('priority').notNull().default(0),
    /** Attempts that reached the platform; rate-limit deferrals do not count. */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    nextAttemptAt: tstz('next_attempt_at'),
    /** The pg-boss job that currently owns this target; any other job for it is stale. */
    jobId: uuid('job_id'),
    /** Sent to the platform with every try so a repeat is recognised (stable across attempts). */
    idempotencyKey: text('idempotency_key').notNull(),
    /** Resumable state for publishes that finish later on the platform's side. */
    publishState: jsonb('publish_state'),
    remoteId: text('remote_id'),
    remoteUrl: text('remote_url'),
    /** The other posts a thread or carousel made on the platform, first to last (`remoteId` is the first). */
    remotePartIds: text('remote_part_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    publishedAt: tstz('published_at'),
    failedAt: tstz('failed_at'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    likesCount: integer('likes_count'),
    commentsCount: integer('comments_count'),
    sharesCount: integer('shares_count'),
    impressionsCount: integer('impressions_count'),
    metrics: jsonb('metrics'),
    lastSyncedAt: tstz('last_synced_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('post_targets_post_channel_idx').on(t.postId, t.channelId),
    index('post_targets_workspace_status_idx').on(t.workspaceId, t.status),
    index('post_targets_channel_idx').on(t.channelId, t.status),
    index('post_targets_published_idx').on(t.workspaceId, t.publishedAt),
    // Per-platform stats (seed 000 platform stats) read from the index alone.
    index('post_targets_workspace_platform_idx').on(t.workspaceId, t.platform, t.status, t.publishedAt),
    index('post_targets_due_idx')
      .on(t.scheduledAt)
      .where(sql`${t.status} in ('scheduled','retrying','deferred')`),
    check(
      'post_targets_status_check',
      sql`${t.status} in ('draft','scheduled','publishing','retrying','deferred','waiting_reauth','published','failed','unknown','missed','cancelled')`,
    ),
  ],
);

/** Targets per platform and status, kept like `postStatusCounts`. */
export const targetStatusCounts = pgTable(
  'target_status_counts',
  {
    workspaceId: uuid('workspace_id').notNull(),
    platform: text('platform').notNull(),
    status: text('status').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [index('target_status_counts_workspace_idx').on(t.workspaceId)],
);

export const attemptOutcomes = [
  'running',
  'published',
  'pending',
  'reconciled',
  'retry',
  'rate_limited',
  'auth',
  'failed',
  'duplicate',
  'unknown',
  'skipped',
] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

/** Seed 000 `publish_queue_logs`: one row per attempt. */
export const publishAttempts = pgTable(
  'publish_attempts',
  {
    id: id(),
    targetId: uuid('target_id')
      .notNull()
      .references(() => postTargets.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').notNull(),
    jobId: uuid('job_id'),
    workerId: text('worker_id').notNull(),
    attemptNumber: integer('attempt_number').notNull(),
    startedAt: tstz('started_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
    durationMs: integer('duration_ms'),
    outcome: text('outcome', { enum: attemptOutcomes }).notNull().default('running'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    rateLimit: jsonb('rate_limit'),
  },
  (t) => [index('publish_attempts_target_idx').on(t.targetId, t.startedAt)],
);

/** Seed 000 `api_rate_limits`: what each platform last told us, per connection and bucket. */
export const rateLimits = pgTable(
  'rate_limits',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    bucket: text('bucket').notNull(),
    limit: integer('limit'),
    remaining: integer('remaining'),
    resetAt: tstz('reset_at'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.bucket] })],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    data: jsonb('data').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_workspace_idx').on(t.workspaceId, t.createdAt)],
);

/** Responses to `POST` requests that carried an `Idempotency-Key`, replayed on repeat. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    responseBody: jsonb('response_body'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

// ---------------------------------------------------------------------------------------------
// Analytics (migration 0006): tracked posts and their check-back schedule, metric snapshots,
// roll-ups maintained as snapshots arrive, channel daily stats, and each workspace's settings.

/** The default check-back schedule: 1 h, 6 h, 24 h, 3 d, 7 d and 30 d after publishing, in minutes. */
export const DEFAULT_CHECK_SCHEDULE_MINUTES = [60, 360, 1440, 4320, 10080, 43200];

/** A workspace's analytics settings; a workspace without a row uses the defaults. */
export const analyticsSettings = pgTable('analytics_settings', {
  workspaceId: uuid('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  checkScheduleMinutes: integer('check_schedule_minutes')
    .array()
    .notNull()
    .default(sql`'{60,360,1440,4320,10080,43200}'::integer[]`),
  /** Roll-up periods (hour, day, week, month) follow this zone's wall clock. */
  timeZone: text('time_zone').notNull().default('UTC'),
  /** ISO weekday a week starts on: 1 Monday … 7 Sunday. */
  weekStartsOn: integer('week_starts_on').notNull().default(1),
  updatedAt: updatedAt(),
});

export const trackedPostSources = ['published', 'external'] as const;
export const stopReasons = ['schedule_complete', 'remote_deleted', 'untracked', 'channel_removed'] as const;
export type StopReason = (typeof stopReasons)[number];
export const rateDenominators = ['impressions', 'followers'] as const;
export type RateDenominator = (typeof rateDenominators)[number];

/**
 * Seed 002 `social_media_posts` check-back columns: one remote post followed on its channel, whether
 * Herald published it (`target_id`) or a member asked to track it by URL (`external`).
 */
export const trackedPosts = pgTable(
  'tracked_posts',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    targetId: uuid('target_id').references(() => postTargets.id, { onDelete: 'cascade' }),
    source: text('source', { enum: trackedPostSources }).notNull(),
    remoteId: text('remote_id').notNull(),
    remoteUrl: text('remote_url'),
    publishedAt: tstz('published_at').notNull(),
    /** The schedule as offsets from `published_at` (the seed's `check_schedule`). */
    checkScheduleMinutes: integer('check_schedule_minutes').array().notNull(),
    /** Each check's due time: `published_at` + offset + its bounded jitter. */
    checkDueAt: timestamp('check_due_at', { withTimezone: true }).array().notNull(),
    /** 0-based index in `check_due_at` of the next check. */
    nextCheckIndex: integer('next_check_index').notNull().default(0),
    nextCheckAt: tstz('next_check_at'),
    checksCompleted: integer('checks_completed').notNull().default(0),
    trackingStartedAt: tstz('tracking_started_at').notNull().defaultNow(),
    trackingComplete: boolean('tracking_complete').notNull().default(false),
    stopReason: text('stop_reason', { enum: stopReasons }),
    lastCheckedAt: tstz('last_checked_at'),
    lastError: text('last_error'),
    /** Failed tries at the current check (transient errors); reset when a check completes. */
    failures: integer('failures').notNull().default(0),
    /** The job that owns the next check; any other job for this row is stale. */
    jobId: uuid('job_id'),
    latestImpressions: bigint('latest_impressions', { mode: 'number' }),
    latestEngagement: bigint('latest_engagement', { mode: 'number' }),
    latestEngagementRate: doublePrecision('latest_engagement_rate'),
    latestRateDenominator: text('latest_rate_denominator', { enum: rateDenominators }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tracked_posts_remote_idx').on(t.channelId, t.remoteId),
    uniqueIndex('tracked_posts_target_idx')
      .on(t.targetId)
      .where(sql`${t.targetId} is not null`),
    index('tracked_posts_workspace_published_idx').on(t.workspaceId, t.publishedAt),
    index('tracked_posts_next_check_idx')
      .on(t.nextCheckAt)
      .where(sql`${t.trackingComplete} = false`),
  ],
);

const counter = (name: string) => bigint(name, { mode: 'number' });

/** Seed 000 `post_analytics`, seed 002 `social_media_post_analytics`: one check's figures. */
export const metricSnapshots = pgTable(
  'metric_snapshots',
  {
    id: id(),
    trackedPostId: uuid('tracked_post_id')
      .notNull()
      .references(() => trackedPosts.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').notNull(),
    channelId: uuid('channel_id').notNull(),
    takenAt: tstz('taken_at').notNull(),
    kind: text('kind', { enum: ['scheduled', 'manual'] }).notNull(),
    checkIndex: integer('check_index'),
    /** Views or impressions, whichever the platform counts. */
    impressions: counter('impressions'),
    reach: counter('reach'),
    likes: counter('likes'),
    comments: counter('comments'),
    shares: counter('shares'),
    saves: counter('saves'),
    clicks: counter('clicks'),
    watchSeconds: counter('watch_seconds'),
    /** The channel's followers when the snapshot was taken (the engagement-rate fallback denominator). */
    followers: counter('followers'),
    raw: jsonb('raw'),
  },
  (t) => [index('metric_snapshots_post_idx').on(t.trackedPostId, t.takenAt)],
);

export const granularities = ['hour', 'day', 'week', 'month'] as const;
export type Granularity = (typeof granularities)[number];

/**
 * What was gained in one period of the workspace's calendar, per channel and for the whole workspace:
 * sums of deltas between consecutive snapshots (never of cumulative counters), kept up to date as
 * each snapshot arrives.
 */
export const metricRollups = pgTable(
  'metric_rollups',
  {
    scope: text('scope', { enum: ['channel', 'workspace'] }).notNull(),
    /** The channel's id, or the workspace's for workspace totals. */
    scopeId: uuid('scope_id').notNull(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    granularity: text('granularity', { enum: granularities }).notNull(),
    periodStart: tstz('period_start').notNull(),
    periodEnd: tstz('period_end').notNull(),
    /** The period on the workspace's wall clock: `2026-03-29`, `2026-03-29T02:00`, `2026-W13`, `2026-03`. */
    label: text('label').notNull(),
    /** Posts published in the period. */
    posts: integer('posts').notNull().default(0),
    snapshots: integer('snapshots').notNull().default(0),
    impressions: counter('impressions').notNull().default(0),
    reach: counter('reach').notNull().default(0),
    likes: counter('likes').notNull().default(0),
    comments: counter('comments').notNull().default(0),
    shares: counter('shares').notNull().default(0),
    saves: counter('saves').notNull().default(0),
    clicks: counter('clicks').notNull().default(0),
    /** Engagement gained on posts whose platform reports impressions, and those impressions. */
    engagementByImpressions: counter('engagement_by_impressions').notNull().default(0),
    impressionsDenominator: counter('impressions_denominator').notNull().default(0),
    /** Engagement gained on posts whose platform reports no impressions (rated against followers). */
    engagementByFollowers: counter('engagement_by_followers').notNull().default(0),
    /** Channel scope: the most followers seen in the period. */
    followers: counter('followers'),
  },
  (t) => [
    primaryKey({ name: 'metric_rollups_pk', columns: [t.scopeId, t.granularity, t.periodStart] }),
    index('metric_rollups_workspace_idx').on(t.workspaceId, t.scope, t.granularity, t.periodStart),
  ],
);

/** Seed 003 `channel_daily_stats`: an account's own figures, once a day. */
export const channelDailyStats = pgTable(
  'channel_daily_stats',
  {
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    workspaceId: uuid('workspace_id').notNull(),
    followers: counter('followers'),
    following: counter('following'),
    posts: counter('posts'),
    views: counter('views'),
    raw: jsonb('raw'),
    takenAt: tstz('taken_at').notNull(),
  },
  (t) => [primaryKey({ name: 'channel_daily_stats_pk', columns: [t.channelId, t.day] })],
);

// ---------------------------------------------------------------------------------------------
// The sandbox network keeps its own state in its own schema: it is a separate "platform" that
// happens to be served by the same process. Herald's adapter reaches it only over HTTP.

/** Backups and restore tests, scheduled or asked for: what ran, when, and how it ended. */
export const backupRuns = pgTable(
  'backup_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['backup', 'verify'] }).notNull(),
    trigger: text('trigger', { enum: ['schedule', 'manual'] }).notNull(),
    startedAt: tstz('started_at').notNull(),
    finishedAt: tstz('finished_at'),
    ok: boolean('ok'),
    path: text('path'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    error: text('error'),
  },
  (t) => [
    index('backup_runs_kind_started_idx').on(t.kind, t.startedAt),
    check('backup_runs_kind_check', sql`${t.kind} in ('backup', 'verify')`),
  ],
);

// ---------------------------------------------------------------------------------------------
// The content pipeline (seed 004): sources are collected into source items, which are enriched by
// an AI provider within a budget, drafted into posts, reviewed, published, and taken down on request.

export const sourceKinds = ['reddit', 'rss', 'sandbox'] as const;
export type SourceKind = (typeof sourceKinds)[number];
export const sourceStatuses = ['active', 'paused', 'failing'] as const;

/** A place Herald collects content from, on its own schedule. */
export const sources = pgTable(
  'sources',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: sourceKinds }).notNull(),
    /** Kind-specific settings (subreddit and listing, feed URL, sandbox account). */
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    scheduleMinutes: integer('schedule_minutes').notNull().default(60),
    status: text('status', { enum: sourceStatuses }).notNull().default('active'),
    /** Items scoring at least this are approved without review; null: always ask. */
    autoApproveScore: integer('auto_approve_score'),
    /** Which channels a draft made from this source's items targets. */
    draftSettings: jsonb('draft_settings').$type<Record<string, unknown>>().notNull().default({}),
    /** What the next fetch needs (ETag, Last-Modified). */
    fetchState: jsonb('fetch_state').$type<Record<string, unknown>>().notNull().default({}),
    lastRunAt: tstz('last_run_at'),
    lastSuccessAt: tstz('last_success_at'),
    lastError: text('last_error'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    nextRunAt: tstz('next_run_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('sources_workspace_idx').on(t.workspaceId, t.createdAt),
    index('sources_due_idx')
      .on(t.nextRunAt)
      .where(sql`${t.status} <> 'paused'`),
    check('sources_kind_check', sql`${t.kind} in ('reddit','rss','sandbox')`),
    check('sources_status_check', sql`${t.status} in ('active','paused','failing')`),
  ],
);

export const itemStages = [
  'collected',
  'enriched',
  'drafted',
  'approved',
  'scheduled',
  'published',
  'rejected',
  'failed',
  'budget_exhausted',
  'takedown_pending',
  'removed',
  'duplicate',
] as const;
export type ItemStage = (typeof itemStages)[number];

/** Seed 004 `posts`: one thing collected from a source, and how far it went. */
export const sourceItems = pgTable(
  'source_items',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    /** sha256 of the normalised title and body; the first copy in a workspace owns it. */
    contentHash: text('content_hash').notNull(),
    duplicateOf: uuid('duplicate_of'),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    url: text('url'),
    author: text('author'),
    score: integer('score'),
    commentsCount: integer('comments_count'),
    /** Top comments kept as context for enrichment. */
    context: jsonb('context')
      .$type<{ author: string | null; body: string; score: number | null }[]>()
      .notNull()
      .default([]),
    sourceCreatedAt: tstz('source_created_at'),
    stage: text('stage', { enum: itemStages }).notNull().default('collected'),
    aiOutput: jsonb('ai_output').$type<Record<string, unknown> | null>(),
    /** The provider's last reply when it could not be used (kept for review). */
    aiReply: text('ai_reply'),
    error: text('error'),
    budgetResetsAt: tstz('budget_resets_at'),
    postId: uuid('post_id').references(() => posts.id, { onDelete: 'set null' }),
    goneAtSourceAt: tstz('gone_at_source_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('source_items_external_idx').on(t.sourceId, t.externalId),
    uniqueIndex('source_items_hash_idx')
      .on(t.workspaceId, t.contentHash)
      .where(sql`${t.duplicateOf} is null`),
    index('source_items_stage_idx').on(t.workspaceId, t.stage, t.createdAt),
    index('source_items_post_idx').on(t.postId),
    check(
      'source_items_stage_check',
      sql`${t.stage} in ('collected','enriched','drafted','approved','scheduled','published','rejected','failed','budget_exhausted','takedown_pending','removed','duplicate')`,
    ),
  ],
);

/** Seed 004 `processing_logs`: one row per pipeline step. */
export const processingLogs = pgTable(
  'processing_logs',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id').references(() => sources.id, { onDelete: 'cascade' }),
    itemId: uuid('item_id').references(() => sourceItems.id, { onDelete: 'cascade' }),
    step: text('step').notNull(),
    outcome: text('outcome').notNull(),
    durationMs: integer('duration_ms'),
    error: text('error'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('processing_logs_item_idx').on(t.itemId, t.createdAt),
    index('processing_logs_source_idx').on(t.sourceId, t.createdAt),
  ],
);

export const aiProviders = ['basic', 'openai', 'anthropic'] as const;
export type AiProviderId = (typeof aiProviders)[number];

/** A workspace's AI provider, prompts, prices and budget. */
export const aiSettings = pgTable(
  'ai_settings',
  {
    workspaceId: uuid('workspace_id')
      .primaryKey()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: aiProviders }).notNull().default('basic'),
    model: text('model').notNull().default('basic'),
    baseUrl: text('base_url'),
    /** Encrypted. */
    apiKey: text('api_key'),
    prompts: jsonb('prompts').$type<Record<string, string>>().notNull().default({}),
    /** USD per million tokens, by model: `{ "gpt-4o-mini": { "input": 0.15, "output": 0.6 } }`. */
    prices: jsonb('prices').$type<Record<string, { input: number; output: number }>>().notNull().default({}),
    /** Millionths of a US dollar; null: no limit. */
    dailyBudgetMicros: bigint('daily_budget_micros', { mode: 'number' }),
    monthlyBudgetMicros: bigint('monthly_budget_micros', { mode: 'number' }),
    maxOutputTokens: integer('max_output_tokens').notNull().default(800),
    maxRetries: integer('max_retries').notNull().default(2),
    takedownGraceMinutes: integer('takedown_grace_minutes').notNull().default(1440),
    updatedAt: updatedAt(),
  },
  () => [check('ai_settings_provider_check', sql`provider in ('basic','openai','anthropic')`)],
);

export const aiUsageOutcomes = ['reserved', 'succeeded', 'malformed', 'failed'] as const;

/** Seed 004 `token_usage`: every AI call, reserved at its estimate before it is made. */
export const aiUsage = pgTable(
  'ai_usage',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    itemId: uuid('item_id').references(() => sourceItems.id, { onDelete: 'set null' }),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    estimatedMicros: bigint('estimated_micros', { mode: 'number' }).notNull().default(0),
    /** The estimate while the call runs, then the cost from the reply's usage figures. */
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull().default(0),
    durationMs: integer('duration_ms'),
    outcome: text('outcome', { enum: aiUsageOutcomes }).notNull().default('reserved'),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [
    index('ai_usage_workspace_idx').on(t.workspaceId, t.createdAt),
    check('ai_usage_outcome_check', sql`${t.outcome} in ('reserved','succeeded','malformed','failed')`),
  ],
);

export const takedownStatuses = ['pending', 'removing', 'removed', 'partially_removed'] as const;

/** Seed 004's two-stage takedown: hidden now, removed after a grace period. */
export const takedownRequests = pgTable(
  'takedown_requests',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    postId: uuid('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    itemId: uuid('item_id').references(() => sourceItems.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    status: text('status', { enum: takedownStatuses }).notNull().default('pending'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    removeAfter: tstz('remove_after').notNull(),
    completedAt: tstz('completed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('takedown_requests_open_idx')
      .on(t.postId)
      .where(sql`${t.status} in ('pending','removing')`),
    index('takedown_requests_workspace_idx').on(t.workspaceId, t.createdAt),
    check(
      'takedown_requests_status_check',
      sql`${t.status} in ('pending','removing','removed','partially_removed')`,
    ),
  ],
);

export const takedownTargetStatuses = ['pending', 'removed', 'manual_removal_required', 'failed'] as const;

/** One published target of a takedown and how its removal went. */
export const takedownTargets = pgTable(
  'takedown_targets',
  {
    takedownId: uuid('takedown_id')
      .notNull()
      .references(() => takedownRequests.id, { onDelete: 'cascade' }),
    targetId: uuid('target_id')
      .notNull()
      .references(() => postTargets.id, { onDelete: 'cascade' }),
    status: text('status', { enum: takedownTargetStatuses }).notNull().default('pending'),
    hidden: boolean('hidden').notNull().default(false),
    /** Remote ids already deleted, so a retried job never deletes twice. */
    deletedPartIds: text('deleted_part_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    finishedAt: tstz('finished_at'),
  },
  (t) => [
    primaryKey({ name: 'takedown_targets_pk', columns: [t.takedownId, t.targetId] }),
    check(
      'takedown_targets_status_check',
      sql`${t.status} in ('pending','removed','manual_removal_required','failed')`,
    ),
  ],
);

export const sandbox = pgSchema('sandbox');

export const sandboxClients = sandbox.table('clients', {
  clientId: text('client_id').primaryKey(),
  clientSecretHash: text('client_secret_hash').notNull(),
  name: text('name').notNull(),
  redirectUris: text('redirect_uris').array().notNull(),
  createdAt: createdAt(),
});

export const sandboxAccounts = sandbox.table('accounts', {
  id: id(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  /** Fault and latency knobs: see src/sandbox/knobs.ts. */
  knobs: jsonb('knobs').notNull().default({}),
  followers: integer('followers').notNull().default(0),
  createdAt: createdAt(),
});

export const sandboxGrants = sandbox.table(
  'grants',
  {
    id: id(),
    clientId: text('client_id').notNull(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => sandboxAccounts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['code', 'access', 'refresh'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    codeChallenge: text('code_challenge'),
    redirectUri: text('redirect_uri'),
    scope: text('scope').notNull().default(''),
    /** Tokens of one authorisation share a family; reusing a rotated refresh token revokes the family. */
    family: uuid('family').notNull(),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('sandbox_grants_family_idx').on(t.family)],
);

export const sandboxPosts = sandbox.table(
  'posts',
  {
    id: id(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => sandboxAccounts.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    mediaIds: uuid('media_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    replyToId: uuid('reply_to_id'),
    idempotencyKey: text('idempotency_key'),
    deletedAt: tstz('deleted_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('sandbox_posts_idempotency_idx').on(t.accountId, t.idempotencyKey),
    index('sandbox_posts_account_idx').on(t.accountId, t.createdAt),
    // A post's replies, for reading its comments (`GET /api/posts/:id/comments`).
    index('sandbox_posts_reply_idx').on(t.replyToId),
  ],
);

export const sandboxMedia = sandbox.table('media', {
  id: id(),
  accountId: uuid('account_id')
    .notNull()
    .references(() => sandboxAccounts.id, { onDelete: 'cascade' }),
  mimeType: text('mime_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  altText: text('alt_text'),
  data: text('data').notNull(),
  createdAt: createdAt(),
});

export const sandboxRequests = sandbox.table(
  'requests',
  {
    id: id(),
    accountId: uuid('account_id').notNull(),
    bucket: text('bucket').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sandbox_requests_window_idx').on(t.accountId, t.bucket, t.createdAt)],
);
