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
    index('posts_workspace_status_idx').on(t.workspaceId, t.status),
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
// The sandbox network keeps its own state in its own schema: it is a separate "platform" that
// happens to be served by the same process. Herald's adapter reaches it only over HTTP.

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
