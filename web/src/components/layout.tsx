/** The signed-in frame: sidebar navigation (a drawer on phones), workspace switcher, user menu. */
import {
  CalendarDays,
  Inbox,
  LayoutDashboard,
  ListChecks,
  LogOut,
  Megaphone,
  Menu,
  PenSquare,
  PlugZap,
  Settings,
  X,
} from 'lucide-react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { useSession, useWorkspace } from '../app/session';

const nav = [
  { to: '/', label: 'Dashboard', icon: LayoutDashboard, end: true },
  { to: '/calendar', label: 'Calendar', icon: CalendarDays },
  { to: '/posts', label: 'Posts', icon: Inbox },
  { to: '/queue', label: 'Queue', icon: ListChecks },
  { to: '/channels', label: 'Channels', icon: PlugZap },
  { to: '/settings', label: 'Settings', icon: Settings },
];

function Brand() {
  return (
    <Link to="/" className="brand">
      <span className="brand-mark" aria-hidden="true">
        <Megaphone size={17} />
      </span>
      Herald
    </Link>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { session, selectWorkspace, signOut } = useSession();
  const workspace = useWorkspace();
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  const navigate = useNavigate();

  // Close the drawer after navigating, and on Escape.
  // Runs on every navigation on purpose.
  useEffect(() => setOpen(false), [location.pathname]);
  useEffect(() => {
    if (!open) return;
    // Keyboard users land in the drawer they opened.
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  return (
    <div className="shell" data-nav-open={open}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-btn"
          aria-label="Open navigation"
          aria-expanded={open}
          aria-controls="sidebar"
          onClick={() => setOpen(true)}
        >
          <Menu size={20} aria-hidden="true" />
        </button>
        <Brand />
        {workspace.canEdit ? (
          <Link to="/compose" className="icon-btn" aria-label="New post">
            <PenSquare size={20} aria-hidden="true" />
          </Link>
        ) : (
          <span style={{ width: 36 }} />
        )}
      </header>
      {open ? <div className="scrim" onClick={() => setOpen(false)} aria-hidden="true" /> : null}
      <aside className="sidebar" id="sidebar" aria-label="Main">
        <div className="row-between">
          <Brand />
          {open ? (
            <button
              ref={closeRef}
              type="button"
              className="icon-btn"
              aria-label="Close navigation"
              onClick={() => setOpen(false)}
            >
              <X size={20} aria-hidden="true" />
            </button>
          ) : null}
        </div>
        {session && session.workspaces.length > 1 ? (
          <div className="field">
            <label htmlFor="workspace-switcher" className="small muted">
              Workspace
            </label>
            <select
              id="workspace-switcher"
              className="select"
              value={workspace.id}
              onChange={(e) => selectWorkspace(e.target.value)}
            >
              {session.workspaces.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="small muted" style={{ padding: '0 6px' }}>
            {workspace.name}
          </div>
        )}
        {workspace.canEdit ? (
          <Link to="/compose" className="btn btn-primary nav-compose">
            <PenSquare size={16} aria-hidden="true" /> New post
          </Link>
        ) : null}
        <nav className="nav" aria-label="Sections">
          {nav.map(({ to, label, icon: Icon, end }) => (
            <NavLink key={to} to={to} end={end ?? false}>
              <Icon size={18} aria-hidden="true" />
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="sidebar-footer">
          <div className="user-chip">
            <span className="avatar avatar-sm" style={{ background: '#475467' }} aria-hidden="true">
              {session?.user.name.slice(0, 1).toUpperCase()}
            </span>
            <div className="grow">
              <div className="small" style={{ fontWeight: 600 }}>
                {session?.user.name}
              </div>
              <div className="small muted">
                {session?.user.email} · {workspace.role}
              </div>
            </div>
          </div>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => void signOut().then(() => navigate('/login', { replace: true }))}
          >
            <LogOut size={15} aria-hidden="true" /> Log out
          </button>
        </div>
      </aside>
      <main className="main" id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
