/** Set a password from a one-time link: an invitation to a workspace, or an admin's reset. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { Megaphone } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useSession } from '../app/session';
import { Button, ErrorNotice, Field, Spinner } from '../components/ui';
import { issueFor } from './form-issues';

export function SetPasswordPage() {
  const { token = '' } = useParams();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const link = useQuery({
    queryKey: ['account-link', token],
    queryFn: () => unwrap(api.GET('/api/account-links/{token}', { params: { path: { token } } })),
    retry: false,
  });
  const save = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/account-links/{token}', { params: { path: { token } }, body: { password } })),
    onSuccess: async (reply) => {
      await signIn(reply);
      navigate('/', { replace: true });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
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
        {link.isPending ? (
          <Spinner />
        ) : link.isError ? (
          <>
            <h1>This link does not work</h1>
            <ErrorNotice error={link.error} />
          </>
        ) : (
          <>
            <h1>{link.data.kind === 'invitation' ? 'Welcome to Herald' : 'Choose a new password'}</h1>
            <p className="muted" style={{ margin: '6px 0 20px' }}>
              {link.data.kind === 'invitation'
                ? `${link.data.name}, you were invited to ${link.data.workspaceName ?? 'a workspace'}. Choose a password to sign in as ${link.data.email}.`
                : `For ${link.data.email}. Your other sessions end when you save it.`}
            </p>
            <form className="stack" onSubmit={onSubmit}>
              <input type="hidden" autoComplete="username" value={link.data.email} readOnly />
              <Field
                label="New password"
                hint="At least 10 characters."
                error={issueFor(save.error, 'password')}
              >
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    type="password"
                    autoComplete="new-password"
                    required
                    minLength={10}
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                )}
              </Field>
              {save.isError && !issueFor(save.error, 'password') ? <ErrorNotice error={save.error} /> : null}
              <Button type="submit" variant="primary" className="btn-block" busy={save.isPending}>
                Save password and sign in
              </Button>
            </form>
          </>
        )}
      </main>
    </div>
  );
}
