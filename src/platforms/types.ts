/**
 * The contract every platform adapter satisfies.
 *
 * An adapter is one module exporting a `PlatformAdapter` value. It gets configuration, `fetch`,
 * credentials and an abort signal as arguments and returns typed outcomes; it never touches the
 * database, the environment or the job queue. It reports failure by throwing one `PlatformError`
 * whose `kind` says what happened; only the worker decides what a kind means.
 *
 * Glossary:
 * - platform app: the OAuth client (id, secret, base URL) Herald uses to talk to a platform.
 * - connection: one authorised account (its tokens); `Credentials` is its decrypted form.
 * - channel: a destination under a connection (profile, Page, organisation, subreddit, …).
 * - target: one post on one channel; `PublishRequest` is what the adapter needs of it.
 * - idempotency key: stable per target across attempts, sent where the platform honours one.
 */

export type PlatformId = string;

export type FetchLike = typeof fetch;

/** The platform app, decrypted, as an adapter sees it. */
export type AppCredentials = {
  clientId: string;
  clientSecret: string | null;
  /** Base URL for self-hosted instances and the sandbox; adapters fall back to the platform's own. */
  baseUrl: string | null;
  scopes: string[];
  settings: Record<string, unknown>;
};

/** A connection's tokens, decrypted. */
export type Credentials = {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  /** Platform account id of the connection. */
  accountId: string;
  metadata: Record<string, unknown>;
};

export type TokenSet = {
  accessToken: string;
  /** A new refresh token, or null when the platform sent none (Herald then keeps the one it has). */
  refreshToken: string | null;
  expiresAt: Date | null;
  scopes: string[];
};

export type AccountProfile = {
  externalId: string;
  username: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  metadata?: Record<string, unknown>;
};

export type DiscoveredChannel = {
  externalId: string;
  kind: string;
  name: string;
  username: string | null;
  avatarUrl: string | null;
  url: string | null;
  followersCount?: number | null;
  metadata?: Record<string, unknown>;
};

export type MediaItem = {
  id: string;
  kind: 'image' | 'video' | 'gif' | 'audio' | 'document';
  mimeType: string;
  sizeBytes: number;
  altText: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  /** Reads the file's bytes from Herald's storage. */
  read(): Promise<Uint8Array>;
  /** A public URL for platforms that fetch media themselves, when PUBLIC_URL makes one reachable. */
  publicUrl: string | null;
};

export type PublishRequest = {
  /** Stable for the target across every attempt. */
  idempotencyKey: string;
  channel: { externalId: string; kind: string; metadata: Record<string, unknown> };
  text: string;
  title: string | null;
  media: MediaItem[];
  options: Record<string, unknown>;
  /** Resumable state a previous run returned with `pending`. */
  state: Record<string, unknown> | null;
};

export type PublishOutcome =
  | {
      status: 'published';
      remoteId: string;
      remoteUrl: string | null;
      rateLimit?: RateLimitInfo | undefined;
      /** Ids of the other parts of a thread or carousel, first to last, when the platform made several. */
      partIds?: string[] | undefined;
    }
  | {
      /** The platform is still processing; run again after `retryAfterMs` with `state`. */
      status: 'pending';
      state: Record<string, unknown>;
      retryAfterMs: number;
      rateLimit?: RateLimitInfo | undefined;
    };

export type ReconcileOutcome =
  | {
      status: 'found';
      remoteId: string;
      remoteUrl: string | null;
      /** As in `PublishOutcome`: the thread's or carousel's other parts, when the platform made several. */
      partIds?: string[] | undefined;
    }
  | { status: 'not_found' }
  /**
   * Part of a thread went out: publishing carries on from `state` (what the parts that exist say,
   * in the adapter's own resumable state) instead of starting over or asking the user.
   */
  | { status: 'partial'; state: Record<string, unknown> }
  /** The platform gives no way to tell; the user decides. */
  | { status: 'unknowable' };

export type RateLimitInfo = {
  bucket: string;
  limit: number | null;
  remaining: number | null;
  resetAt: Date | null;
};

export type PostMetrics = {
  likes: number | null;
  comments: number | null;
  shares: number | null;
  impressions: number | null;
  reach?: number | null;
  clicks?: number | null;
  saves?: number | null;
  raw?: Record<string, unknown>;
};

/** An account's own figures at one moment; null where the platform does not give one. */
export type ChannelStats = {
  followers: number | null;
  following: number | null;
  posts: number | null;
  /** Total views of the account's content, where the platform counts them. */
  views: number | null;
  raw?: Record<string, unknown>;
};

/** The channel a URL is tried against in `resolveUrl`. */
export type UrlChannel = { externalId: string; username: string | null; baseUrl: string | null };

/** A comment (or reply) on a published post, as the platform shows it. */
export type PlatformComment = {
  id: string;
  /** The comment this one answers; null when it answers the post itself. */
  parentId: string | null;
  author: {
    id: string | null;
    username: string | null;
    displayName: string | null;
    avatarUrl: string | null;
  };
  /** Plain text (platforms that send HTML have it converted). */
  text: string;
  createdAt: Date | null;
  likes: number | null;
  /** Where to see it on the platform, when it has its own address. */
  url: string | null;
};

/** One page of comments, oldest first where the platform allows choosing; `nextCursor` null at the end. */
export type CommentPage = { comments: PlatformComment[]; nextCursor: string | null };

export type ValidationIssue = { field: string; message: string };

/** The channel a post is checked for: limits an adapter read when it listed the channel live in its metadata. */
export type ChannelContext = { kind: string; metadata: Record<string, unknown> };

export type AdapterContext = {
  app: AppCredentials;
  fetch: FetchLike;
  signal?: AbortSignal | undefined;
  /** Herald's clock: every expiry, reset and age is read from it, so tests that move time stay consistent. */
  now: () => Date;
};

export type AuthorizeRequest = {
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scopes: string[];
  /** The account expected (reconnecting it), for platforms that can pre-fill their sign-in (OIDC `login_hint`). */
  loginHint?: string | undefined;
};

export type Capabilities = {
  text: boolean;
  images: number;
  video: boolean;
  threads: boolean;
  maxTextLength: number | null;
  idempotentPublish: boolean;
  canDelete: boolean;
  metrics: boolean;
  /** Whether `readComments` can read a post's comments. */
  comments: boolean;
};

/** A field of a sign-in form, for platforms that connect with an app password or an API key. */
export type CredentialField = {
  name: string;
  label: string;
  /** Masked in the form, stored only encrypted, never returned. */
  secret: boolean;
  required: boolean;
  /**
   * The server's address (a self-hosted Ghost site, an AT Protocol PDS). Herald keeps one platform
   * app per address and hands it to the adapter as `ctx.app.baseUrl`; `signIn` never sees it.
   */
  serverUrl?: boolean;
  placeholder?: string;
  help?: string;
};

/** What an instance answered when Herald registered itself there (Mastodon's `POST /api/v1/apps`). */
export type RegisteredApp = {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  settings: Record<string, unknown>;
};

type AdapterBase = {
  id: PlatformId;
  displayName: string;
  capabilities: Capabilities;
  refresh(ctx: AdapterContext, credentials: Credentials): Promise<TokenSet>;
  profile(ctx: AdapterContext, tokens: { accessToken: string }): Promise<AccountProfile>;
  discoverChannels(ctx: AdapterContext, credentials: Credentials): Promise<DiscoveredChannel[]>;
  /**
   * Refuses, before scheduling, what the platform would refuse: for `channel` when given (its own
   * limits, e.g. a Mastodon instance's), else by the platform's defaults.
   */
  validate(
    request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
    channel?: ChannelContext,
  ): ValidationIssue[];
  publish(ctx: AdapterContext, credentials: Credentials, request: PublishRequest): Promise<PublishOutcome>;
  /** After a crash: did an earlier try reach the platform? */
  reconcile(
    ctx: AdapterContext,
    credentials: Credentials,
    request: PublishRequest,
  ): Promise<ReconcileOutcome>;
  deletePost(ctx: AdapterContext, credentials: Credentials, remoteId: string): Promise<void>;
  readMetrics(ctx: AdapterContext, credentials: Credentials, remoteId: string): Promise<PostMetrics>;
  /**
   * A page of the comments on a published post (`remoteId` as `publish` returned it). Platforms
   * without a way to read them throw `invalid` saying so (and say `comments: false`).
   */
  readComments(
    ctx: AdapterContext,
    credentials: Credentials,
    remoteId: string,
    page: { cursor: string | null; limit: number },
  ): Promise<CommentPage>;
  /** The channel's own figures (followers, …), where the platform gives them. */
  readChannelStats?(
    ctx: AdapterContext,
    credentials: Credentials,
    channel: { externalId: string; kind: string; metadata: Record<string, unknown> },
  ): Promise<ChannelStats>;
  /**
   * A post's address → its remote id (as `publish` returns it) when the URL is a post of `channel`
   * (of any account, where the URL does not name one); else null. No network: the address alone.
   */
  resolveUrl?(url: URL, channel: UrlChannel): string | null;
};

/** A platform the user authorises on its own pages (authorization code + PKCE). `auth` may be left out. */
export type OAuthAdapter = AdapterBase & {
  auth?: 'oauth';
  /** Where to send the user to authorise Herald. */
  authorizeUrl(ctx: AdapterContext, request: AuthorizeRequest): string;
  exchangeCode(
    ctx: AdapterContext,
    request: { code: string; codeVerifier: string; redirectUri: string },
  ): Promise<TokenSet>;
  /**
   * For platforms where every server is its own authorization server (Mastodon): registers Herald
   * as a client of the server at `baseUrl`, so an instance needs only its address.
   */
  registerApp?(options: {
    fetch: FetchLike;
    baseUrl: string;
    redirectUri: string;
    signal?: AbortSignal;
    now: () => Date;
  }): Promise<RegisteredApp>;
};

/** A platform Herald signs in to with what the user types (an app password, an Admin API key). */
export type CredentialsAdapter = AdapterBase & {
  auth: 'credentials';
  credentialFields: CredentialField[];
  /** Signs in with the form's values (the server address excluded) and returns the connection's tokens. */
  signIn(ctx: AdapterContext, values: Record<string, string>): Promise<TokenSet>;
};

/** What every platform module exports. */
export type PlatformAdapter = OAuthAdapter | CredentialsAdapter;

export type PlatformErrorKind = 'auth' | 'invalid' | 'rate_limited' | 'transient' | 'duplicate';

/** The one error an adapter throws. */
export class PlatformError extends Error {
  override name = 'PlatformError';
  readonly kind: PlatformErrorKind;
  /** The platform's own error code, if it gave one. */
  readonly code: string | null;
  /** For `rate_limited`: when the platform said to come back. */
  readonly retryAfter: Date | null;
  readonly status: number | null;
  readonly rateLimit: RateLimitInfo | null;

  constructor(options: {
    kind: PlatformErrorKind;
    message: string;
    code?: string | null;
    retryAfter?: Date | null;
    status?: number | null;
    rateLimit?: RateLimitInfo | null;
  }) {
    super(options.message);
    this.kind = options.kind;
    this.code = options.code ?? null;
    this.retryAfter = options.retryAfter ?? null;
    this.status = options.status ?? null;
    this.rateLimit = options.rateLimit ?? null;
  }
}
