/**
 * Who is signed in, and in which workspace. The session comes from `GET /api/me` (which also returns
 * the CSRF token after a reload); the chosen workspace is remembered per browser.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, setCsrfToken, UNAUTHENTICATED_EVENT, unwrap } from '../api/client';
import type { LoginReply, Role, Session, Workspace } from '../api/types';

const WORKSPACE_KEY = 'herald.workspace';

type SessionState = {
  /** Loading until both setup state and session are known. */
  status: 'loading' | 'setup' | 'signed-out' | 'signed-in' | 'error';
  error: unknown;
  session: Session | null;
  workspace: Workspace | null;
  selectWorkspace(id: string): void;
  /** After login or setup: keeps the CSRF token and loads the workspaces. */
  signIn(reply: LoginReply): Promise<void>;
  signOut(): Promise<void>;
};

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export type WorkspaceAccess = Workspace & { role: Role; canEdit: boolean; isAdmin: boolean };

/** The current workspace and what the user may do in it. Only inside signed-in pages. */
export function useWorkspace(): WorkspaceAccess {
  const { workspace } = useSession();
  if (!workspace) throw new Error('useWorkspace without a workspace');
  return { ...workspace, canEdit: workspace.role !== 'viewer', isAdmin: workspace.role === 'admin' };
}

async function fetchSetup(): Promise<{ needed: boolean }> {
  try {
    return await unwrap(api.GET('/api/setup'));
  } catch (error) {
    // A server without the setup endpoint has nothing to set up.
    if (error instanceof ApiError && error.status === 404) return { needed: false };
    throw error;
  }
}

async function fetchSession(): Promise<Session | null> {
  try {
    const session = await unwrap(api.GET('/api/me'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const setup = useQuery({ queryKey: ['setup'], queryFn: fetchSetup, staleTime: Number.POSITIVE_INFINITY });
  const me = useQuery({
    queryKey: ['me'],
    queryFn: fetchSession,
    enabled: setup.data?.needed === false,
    staleTime: 5 * 60_000,
  });
  const [workspaceId, setWorkspaceId] = useState<string | null>(() => localStorage.getItem(WORKSPACE_KEY));

  useEffect(() => {
    const onUnauthenticated = () => queryClient.setQueryData(['me'], null);
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
  }, [queryClient]);

  const selectWorkspace = useCallback((id: string) => {
    localStorage.setItem(WORKSPACE_KEY, id);
    setWorkspaceId(id);
  }, []);

  const signIn = useCallback(
    async (reply: LoginReply) => {
      setCsrfToken(reply.csrfToken);
      queryClient.setQueryData(['setup'], { needed: false });
      await queryClient.fetchQuery({ queryKey: ['me'], queryFn: fetchSession, staleTime: 0 });
    },
    [queryClient],
  );

  const signOut = useCallback(async () => {
    await unwrap(api.POST('/api/auth/logout')).catch(() => {});
    setCsrfToken(null);
    // `me` is updated, not removed: removing it would leave the provider watching a dropped query.
    queryClient.setQueryData(['me'], null);
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'setup' && q.queryKey[0] !== 'me' });
  }, [queryClient]);

  const value = useMemo<SessionState>(() => {
    const session = me.data ?? null;
    const workspace = session?.workspaces.find((w) => w.id === workspaceId) ?? session?.workspaces[0] ?? null;
    const status: SessionState['status'] =
      setup.isError || me.isError
        ? 'error'
        : setup.isPending
          ? 'loading'
          : setup.data.needed
            ? 'setup'
            : me.isPending
              ? 'loading'
              : session
                ? 'signed-in'
                : 'signed-out';
    return {
      status,
      error: setup.error ?? me.error,
      session,
      workspace,
      selectWorkspace,
      signIn,
      signOut,
    };
  }, [
    setup.isError,
    setup.isPending,
    setup.data,
    setup.error,
    me.isError,
    me.isPending,
    me.data,
    me.error,
    workspaceId,
    selectWorkspace,
    signIn,
    signOut,
  ]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
