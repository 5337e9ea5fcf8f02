/** Members and roles: add people, change their role, remove them. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Users } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { Role } from '../../api/types';
import { keys } from '../../app/queries';
import { useSession, useWorkspace } from '../../app/session';
import { useFeedback } from '../../components/feedback';
import { Button, Card, EmptyState, ErrorNotice, Field, Spinner } from '../../components/ui';
import { issueFor } from '../form-issues';

const ROLES: { id: Role; label: string; hint: string }[] = [
  { id: 'admin', label: 'Admin', hint: 'everything, including members and platform apps' },
  { id: 'user', label: 'User', hint: 'write, schedule and publish posts; connect channels' },
  { id: 'viewer', label: 'Viewer', hint: 'sees everything, changes nothing' },
];

export function Members() {
  const workspace = useWorkspace();
  const { session } = useSession();
  const feedback = useFeedback();
  const queryClient = useQueryClient();
  const members = useQuery({
    queryKey: keys.members(workspace.id),
    queryFn: () =>
      unwrap(
        api.GET('/api/workspaces/{workspaceId}/members', { params: { path: { workspaceId: workspace.id } } }),
      ),
  });
  const [form, setForm] = useState({ email: '', name: '', role: 'user' as Role });
  // A one-time link, shown once: an invitation for a new account, or a password reset.
  const [link, setLink] = useState<{ title: string; url: string; expiresAt: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.members(workspace.id) });
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/invitations', {
          params: { path: { workspaceId: workspace.id } },
          body: { email: form.email, role: form.role, ...(form.name ? { name: form.name } : {}) },
        }),
      ),
    onSuccess: async (reply) => {
      await refresh();
      if (reply.invitation) {
        setLink({ title: `Invitation for ${reply.member.email}`, ...reply.invitation });
        feedback.success(`${reply.member.email} invited as ${form.role}. Send them the link below.`);
      } else {
        setLink(null);
        feedback.success(`${reply.member.email} already has an account and was added as ${form.role}.`);
      }
      setForm({ email: '', name: '', role: 'user' });
    },
  });
  const reset = useMutation({
    mutationFn: (member: { userId: string; email: string }) =>
      unwrap(
        api.POST('/api/workspaces/{workspaceId}/members/{userId}/password-reset', {
          params: { path: { workspaceId: workspace.id, userId: member.userId } },
        }),
      ),
    onSuccess: (reply, member) => setLink({ title: `Password reset for ${member.email}`, ...reply }),
    onError: feedback.error,
  });
  const change = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        api.PATCH('/api/workspaces/{workspaceId}/members/{userId}', {
          params: { path: { workspaceId: workspace.id, userId } },
          body: { role },
        }),
      ),
    onSuccess: async () => {
      await refresh();
      feedback.success('Role changed.');
    },
    onError: feedback.error,
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      unwrap(
        api.DELETE('/api/workspaces/{workspaceId}/members/{userId}', {
          params: { path: { workspaceId: workspace.id, userId } },
        }),
      ),
    onSuccess: async () => {
      await refresh();
      feedback.success('Member removed.');
    },
    onError: feedback.error,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <div className="stack">
      <Card title="Members" bodyless>
        {members.isPending ? (
          <Spinner />
        ) : members.isError ? (
          <div className="card-body">
            <ErrorNotice error={members.error} />
          </div>
        ) : members.data.members.length === 0 ? (
          <EmptyState icon={<Users size={34} aria-hidden="true" />} title="No members" />
        ) : (
          <div className="table-wrap">
            <table className="table table-responsive">
              <caption className="sr-only">Members of {workspace.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.members.map((m) => {
                  const self = m.userId === session?.user.id;
                  return (
                    <tr key={m.userId}>
                      <td data-label="Name">
                        {m.name} {self ? <span className="muted">(you)</span> : null}
                      </td>
                      <td data-label="Email">{m.email}</td>
                      <td data-label="Role">
                        {workspace.isAdmin && !self ? (
                          <select
                            className="select"
                            aria-label={`Role of ${m.name}`}
                            value={m.role}
                            onChange={(e) =>
                              change.mutate({ userId: m.userId, role: e.target.value as Role })
                            }
                          >
                            {ROLES.map((r) => (
                              <option key={r.id} value={r.id}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                        ) : (
                          m.role
                        )}
                      </td>
                      <td data-label="">
                        {workspace.isAdmin && !self ? (
                          <span className="row" style={{ gap: 6 }}>
                            <Button
                              size="sm"
                              onClick={() => reset.mutate(m)}
                              busy={reset.isPending && reset.variables?.userId === m.userId}
                            >
                              Reset password<span className="sr-only"> of {m.name}</span>
                            </Button>
                            <Button
                              size="sm"
                              variant="danger"
                              onClick={async () => {
                                if (
                                  await feedback.confirm({
                                    title: `Remove ${m.name}?`,
                                    body: `${m.email} will lose access to ${workspace.name}.`,
                                    confirmLabel: 'Remove',
                                    danger: true,
                                  })
                                )
                                  remove.mutate(m.userId);
                              }}
                            >
                              Remove<span className="sr-only"> {m.name}</span>
                            </Button>
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {link ? (
        <Card title={link.title}>
          <div className="stack-sm">
            <p className="small">
              Send this link to them: it works once, until {new Date(link.expiresAt).toLocaleString()}. It is
              not shown again.
            </p>
            <div className="row">
              <input className="input mono grow" readOnly aria-label="One-time link" value={link.url} />
              <Button
                onClick={() =>
                  void navigator.clipboard
                    ?.writeText(link.url)
                    .then(() => feedback.success('Link copied.'), feedback.error)
                }
              >
                Copy link
              </Button>
            </div>
          </div>
        </Card>
      ) : null}
      {workspace.isAdmin ? (
        <Card title="Invite a member">
          <form className="stack" onSubmit={onSubmit}>
            <div className="form-grid">
              <Field label="Email" error={issueFor(add.error, 'email')}>
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    type="email"
                    required
                    value={form.email}
                    onChange={(e) => setForm({ ...form, email: e.target.value })}
                  />
                )}
              </Field>
              <Field
                label="Name"
                hint="For a new account: they get a link to choose their own password."
                error={issueFor(add.error, 'name')}
              >
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    value={form.name}
                    onChange={(e) => setForm({ ...form, name: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Role" hint={ROLES.find((r) => r.id === form.role)?.hint}>
                {(p) => (
                  <select
                    {...p}
                    className="select"
                    value={form.role}
                    onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <ErrorNotice error={add.error} />
            <div>
              <Button type="submit" variant="primary" busy={add.isPending}>
                Invite member
              </Button>
            </div>
          </form>
        </Card>
      ) : (
        <p className="small muted">Only admins can add members or change roles.</p>
      )}
    </div>
  );
}
