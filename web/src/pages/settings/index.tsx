/** Settings: workspace, members and roles, API tokens (shown once), platform apps, your account. */
import { NavLink, useParams } from 'react-router';
import { useSession, useWorkspace } from '../../app/session';
import { PageHeader } from '../../components/ui';

import { AccountSettings } from './account';
import { Members } from './members';
import { PlatformAppsSettings } from './platform-apps';
import { Tokens } from './tokens';
import { WorkspaceSettings } from './workspace';

export function SettingsPage() {
  const { tab = 'workspace' } = useParams();
  const workspace = useWorkspace();
  const { session } = useSession();
  const showApps = workspace.isAdmin || Boolean(session?.user.isInstanceAdmin);
  const tabs = [
    { id: 'workspace', label: 'Workspace' },
    { id: 'members', label: 'Members' },
    { id: 'tokens', label: 'API tokens' },
    { id: 'account', label: 'Your account' },
    ...(showApps ? [{ id: 'platform-apps', label: 'Platform apps' }] : []),
  ];
  return (
    <div className="stack">
      <PageHeader title="Settings" />
      <nav className="tabs" aria-label="Settings sections">
        {tabs.map((t) => (
          <NavLink
            key={t.id}
            to={`/settings/${t.id}`}
            className="tab"
            aria-current={tab === t.id ? 'page' : undefined}
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
      {tab === 'members' ? (
        <Members />
      ) : tab === 'tokens' ? (
        <Tokens />
      ) : tab === 'account' ? (
        <AccountSettings />
      ) : tab === 'platform-apps' && showApps ? (
        <PlatformAppsSettings />
      ) : (
        <WorkspaceSettings />
      )}
    </div>
  );
}
