/** Log in with email and password; back to the page that asked for it. */
import { useMutation } from '@tanstack/react-query';
import { Megaphone } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useSession } from '../app/session';
import { Button, ErrorNotice, Field, Spinner } from '../components/ui';

export function LoginPage() {
  const { status, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  const target = next?.startsWith('/') && !next.startsWith('//') ? next : '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/login', { body: { email, password } })),
    onSuccess: async (reply) => {
      await signIn(reply);
      navigate(target, { replace: true });
    },
  });

  if (status === 'loading') return <Spinner />;
  if (status === 'setup') return <Navigate to="/setup" replace />;
  if (status === 'signed-in' && !login.isSuccess) return <Navigate to={target} replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };

  return (
    <div className="auth-page">
      <main className="card auth-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <Megaphone size={17} />
          </span>
          Herald
        </div>
        <h1>Log in</h1>
        <p className="muted" style={{ margin: '6px 0 20px' }}>
          Schedule once, publish everywhere.
        </p>
        <form className="stack" onSubmit={onSubmit}>
          <Field label="Email">
            {(p) => (
              <input
                {...p}
                className="input"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password">
            {(p) => (
              <input
                {...p}
                className="input"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <ErrorNotice error={login.error} />
          <Button type="submit" variant="primary" className="btn-block" busy={login.isPending}>
            Log in
          </Button>
        </form>
      </main>
    </div>
  );
}
