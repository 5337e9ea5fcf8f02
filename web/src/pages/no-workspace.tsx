/** A signed-in user who belongs to no workspace yet: create one, or ask to be invited. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import { useSession } from '../app/session';
import { Button, ErrorNotice, Field } from '../components/ui';

export function NoWorkspacePage() {
  const { session, signOut, selectWorkspace } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/workspaces', { body: { name } })),
    onSuccess: async (created) => {
      selectWorkspace(created.id);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="auth-page">
      <main className="card auth-card stack">
        <h1>No workspace yet</h1>
        <p className="muted">
          {session?.user.name}, you are not a member of any workspace. Ask an admin to add you, or create your
          own.
        </p>
        <form className="stack" onSubmit={onSubmit}>
          <Field label="Workspace name">
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
          <ErrorNotice error={create.error} />
          <Button type="submit" variant="primary" busy={create.isPending}>
            Create workspace
          </Button>
        </form>
        <Button variant="ghost" onClick={() => void signOut()}>
          Log out
        </Button>
      </main>
    </div>
  );
}
