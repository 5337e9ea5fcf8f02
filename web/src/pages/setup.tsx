/** First run: create the instance's admin account and first workspace. */
import { useMutation } from '@tanstack/react-query';
import { Megaphone } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { useSession } from '../app/session';
import { Button, ErrorNotice, Field, Spinner } from '../components/ui';
import { issueFor } from './form-issues';

export function SetupPage() {
  const { status, signIn, selectWorkspace } = useSession();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: '', email: '', password: '', workspaceName: '' });
  const setup = useMutation({
    mutationFn: () => unwrap(api.POST('/api/setup', { body: form })),
    onSuccess: async (reply) => {
      selectWorkspace(reply.workspace.id);
      await signIn(reply);
      navigate('/channels', { replace: true });
    },
  });

  if (status === 'loading') return <Spinner />;
  if (status !== 'setup' && !setup.isPending && !setup.isSuccess) return <Navigate to="/" replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setup.mutate();
  };
  const tooShort = form.password.length > 0 && form.password.length < 10;

  return (
    <div className="auth-page">
      <main className="card auth-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <Megaphone size={17} />
          </span>
          Herald
        </div>
        <h1>Welcome to Herald</h1>
        <p className="muted" style={{ margin: '6px 0 20px' }}>
          Create the administrator account and your first workspace. You can invite your team afterwards.
        </p>
        <form className="stack" onSubmit={onSubmit} noValidate={false}>
          <Field label="Your name" error={issueFor(setup.error, 'name')}>
            {(p) => (
              <input
                {...p}
                className="input"
                autoComplete="name"
                required
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Email" error={issueFor(setup.error, 'email')}>
            {(p) => (
              <input
                {...p}
                className="input"
                type="email"
                autoComplete="email"
                required
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.target.value })}
              />
            )}
          </Field>
          <Field
            label="Password"
            hint="At least 10 characters."
            error={issueFor(setup.error, 'password') ?? (tooShort ? 'Use at least 10 characters.' : null)}
          >
            {(p) => (
              <input
                {...p}
                className="input"
                type="password"
                autoComplete="new-password"
                required
                minLength={10}
                value={form.password}
                onChange={(e) => setForm({ ...form, password: e.target.value })}
              />
            )}
          </Field>
          <Field
            label="Workspace name"
            hint="Your team, brand or client."
            error={issueFor(setup.error, 'workspaceName')}
          >
            {(p) => (
              <input
                {...p}
                className="input"
                required
                value={form.workspaceName}
                onChange={(e) => setForm({ ...form, workspaceName: e.target.value })}
              />
            )}
          </Field>
          <ErrorNotice error={setup.error} />
          <Button type="submit" variant="primary" className="btn-block" busy={setup.isPending}>
            Create account
          </Button>
        </form>
      </main>
    </div>
  );
}
