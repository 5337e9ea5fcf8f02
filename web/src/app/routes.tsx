/** Which page answers which URL, and the gate in front of the signed-in ones. */
import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from '../components/layout';
import { ErrorNotice, Spinner } from '../components/ui';
import { ChannelsPage } from '../pages/channels';
import { LoginPage } from '../pages/login';
import { NoWorkspacePage } from '../pages/no-workspace';
import { PostDetailPage } from '../pages/post-detail';
import { PostsPage } from '../pages/posts';
import { QueuePage } from '../pages/queue';
import { SettingsPage } from '../pages/settings';
import { SetPasswordPage } from '../pages/set-password';
import { SetupPage } from '../pages/setup';
import { useSession } from './session';

// The heavy pages (calendar, charts, composer) load on first visit, keeping the first load small.
const CalendarPage = lazy(() => import('../pages/calendar').then((m) => ({ default: m.CalendarPage })));
const DashboardPage = lazy(() => import('../pages/dashboard').then((m) => ({ default: m.DashboardPage })));
const ComposerPage = lazy(() =>
  import('../pages/composer/composer').then((m) => ({ default: m.ComposerPage })),
);

function Title({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Herald`;
  }, [title]);
  return <>{children}</>;
}

function SignedIn({ children, title }: { children: ReactNode; title: string }) {
  const { status, error, workspace } = useSession();
  const location = useLocation();
  if (status === 'loading') return <Spinner />;
  if (status === 'error')
    return (
      <div className="auth-page">
        <ErrorNotice error={error} title="Herald is not answering." />
      </div>
    );
  if (status === 'setup') return <Navigate to="/setup" replace />;
  if (status === 'signed-out') {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (!workspace) return <NoWorkspacePage />;
  return (
    <Title title={title}>
      {/* Remount pages when the workspace changes so no state leaks between workspaces. */}
      <Layout key={workspace.id}>
        <Suspense fallback={<Spinner />}>{children}</Suspense>
      </Layout>
    </Title>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route
        path="/setup"
        element={
          <Title title="Set up">
            <SetupPage />
          </Title>
        }
      />
      <Route
        path="/set-password/:token"
        element={
          <Title title="Set your password">
            <SetPasswordPage />
          </Title>
        }
      />
      <Route
        path="/login"
        element={
          <Title title="Log in">
            <LoginPage />
          </Title>
        }
      />
      <Route
        path="/"
        element={
          <SignedIn title="Dashboard">
            <DashboardPage />
          </SignedIn>
        }
      />
      <Route
        path="/calendar"
        element={
          <SignedIn title="Calendar">
            <CalendarPage />
          </SignedIn>
        }
      />
      <Route
        path="/compose"
        element={
          <SignedIn title="New post">
            <ComposerPage />
          </SignedIn>
        }
      />
      <Route
        path="/posts"
        element={
          <SignedIn title="Posts">
            <PostsPage />
          </SignedIn>
        }
      />
      <Route
        path="/posts/:postId"
        element={
          <SignedIn title="Post">
            <PostDetailPage />
          </SignedIn>
        }
      />
      <Route
        path="/posts/:postId/edit"
        element={
          <SignedIn title="Edit post">
            <ComposerPage />
          </SignedIn>
        }
      />
      <Route
        path="/queue"
        element={
          <SignedIn title="Queue">
            <QueuePage />
          </SignedIn>
        }
      />
      <Route
        path="/channels"
        element={
          <SignedIn title="Channels">
            <ChannelsPage />
          </SignedIn>
        }
      />
      <Route
        path="/settings"
        element={
          <SignedIn title="Settings">
            <SettingsPage />
          </SignedIn>
        }
      />
      <Route
        path="/settings/:tab"
        element={
          <SignedIn title="Settings">
            <SettingsPage />
          </SignedIn>
        }
      />
      <Route
        path="*"
        element={
          <SignedIn title="Not found">
            <NotFound />
          </SignedIn>
        }
      />
    </Routes>
  );
}

function NotFound() {
  return (
    <div className="stack">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address. Use the navigation to get back to your posts.</p>
    </div>
  );
}
