/**
 * Names for the API's shapes, all derived from the API paths (never written out by hand here), so a
 * change to a route schema shows up in the pages that use it.
 */
import type { ApiPaths, Body, Reply } from './paths';

const _ = '/api/workspaces/{workspaceId}' as const;
type W = typeof _;

export type Session = Reply<'/api/me', 'get'>;
export type User = Session['user'];
export type Workspace = Session['workspaces'][number];
export type Role = Workspace['role'];
export type Member = Reply<`${W}/members`, 'get'>['members'][number];
export type ApiToken = Reply<'/api/tokens', 'get'>['tokens'][number];
export type CreatedApiToken = Reply<'/api/tokens', 'post'>;
export type PlatformApp = Reply<'/api/platform-apps', 'get'>['items'][number];
export type Channel = Reply<`${W}/channels`, 'get'>['items'][number];
export type Connection = Channel['connection'];
export type Platform = Reply<`${W}/platforms`, 'get'>[number];
export type LoginReply = Reply<'/api/auth/login', 'post'>;
export type Media = Reply<`${W}/media/{id}`, 'get'>;
export type PostSummary = Reply<`${W}/posts`, 'get'>['items'][number];
export type Post = Reply<`${W}/posts/{postId}`, 'get'>;
export type PostStatus = Post['status'];
export type Target = Post['targets'][number];
export type TargetStatus = Target['status'];
export type Attempt = Target['attemptsLog'][number];
export type QueueState = NonNullable<
  NonNullable<ApiPaths[`${W}/jobs`]['get']['parameters']['query']>['state']
>;
export type PostInput = Body<`${W}/posts`, 'post'>;
export type ValidationIssue = Reply<`${W}/posts/validate`, 'post'>['issues'][number];
export type QueueItem = Reply<`${W}/jobs`, 'get'>['items'][number];
export type Stats = Reply<`${W}/stats`, 'get'>;

/** A numeric capability of a platform (`maxTextLength`, `images`…), or null when it has none. */
export function capability(platform: Platform | undefined, name: string): number | null {
  const value = platform?.capabilities[name];
  return typeof value === 'number' ? value : null;
}
