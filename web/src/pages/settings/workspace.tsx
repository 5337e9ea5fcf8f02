/** The workspace's details, the user's time zone, and creating another workspace. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useTimeZone } from '../../app/preferences';
import { useSession, useWorkspace } from '../../app/session';
import { useFeedback } from '../../components/feedback';
import { TimeZoneSelect } from '../../components/time-zone-select';
import { Button, Card, ErrorNotice, Field } from '../../components/ui';
import { issueFor } from '../form-issues';

export function WorkspaceSettings() {
  const workspace = useWorkspace();
  const { selectWorkspace, session } = useSession();
  const [zone, setZone] = useTimeZone();
  const queryClient = useQueryClient();
  const feedback = useFeedback();
  const [name, setName] = useState('');
  const instance = useQuery({
    queryKey: ['instance-settings'],
    queryFn: () => unwrap(api.GET('/api/instance/settings')),
  });
  const saveInstance = useMutation({
    mutationFn: (workspaceCreators: 'instance_admins' | 'admins_and_users' | 'everyone') =>
      unwrap(api.PATCH('/api/instance/settings', { body: { workspaceCreators } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['instance-settings'] });
      feedback.success('Saved: who may create workspaces.');
    },
    onError: feedback.error,
  });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/workspaces', { body: { name } })),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      selectWorkspace(created.id);
      feedback.success(`Workspace ${created.name} created. You are its admin.`);
      setName('');
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="stack">
      <Card title="This workspace">
        <dl className="kv">
          <dt>Name</dt>
          <dd>{workspace.name}</dd>
          <dt>Address</dt>
          <dd className="mono">{workspace.slug}</dd>
          <dt>Your role</dt>
          <dd>{workspace.role}</dd>
        </dl>
      </Card>
      <Card title="Your time zone">
        <div className="stack-sm" style={{ maxWidth: 420 }}>
          <TimeZoneSelect value={zone} onChange={setZone} label="Show times in" />
          <p className="field-hint">
            The calendar, lists and new posts use this zone. It is remembered in this browser.
          </p>
        </div>
      </Card>
      {session?.user.isInstanceAdmin && instance.data ? (
        <Card title="This Herald">
          <Field label="Who may create workspaces" className="grow">
            {(p) => (
              <select
                {...p}
                className="select"
                style={{ maxWidth: 420 }}
                value={instance.data.workspaceCreators}
                onChange={(e) => saveInstance.mutate(e.target.value as 'instance_admins')}
              >
                <option value="admins_and_users">Instance admins and users (not viewers)</option>
                <option value="instance_admins">Instance admins only</option>
                <option value="everyone">Everyone with an account</option>
              </select>
            )}
          </Field>
        </Card>
      ) : null}
      {instance.data && !instance.data.canCreateWorkspaces ? (
        <p className="small muted">An instance admin creates new workspaces on this Herald.</p>
      ) : (
        <Card title="New workspace">
          <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={onSubmit}>
            <Field label="Name" className="grow" error={issueFor(create.error, 'name')}>
              {(p) => (
                <input
                  {...p}
                  className="input"
                  required
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                />
              )}
            </Field>
            <Button type="submit" busy={create.isPending}>
              Create
            </Button>
          </form>
          {create.isError && !issueFor(create.error, 'name') ? <ErrorNotice error={create.error} /> : null}
        </Card>
      )}
    </div>
  );
}
