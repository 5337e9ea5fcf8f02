/** Your account: change your password (with the current one); your other sessions end. */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../app/session';
import { useFeedback } from '../../components/feedback';
import { Button, Card, ErrorNotice, Field } from '../../components/ui';
import { issueFor } from '../form-issues';

export function AccountSettings() {
  const { session } = useSession();
  const feedback = useFeedback();
  const [form, setForm] = useState({ currentPassword: '', newPassword: '' });
  const change = useMutation({
    mutationFn: () => unwrap(api.POST('/api/me/password', { body: form })),
    onSuccess: (reply) => {
      setForm({ currentPassword: '', newPassword: '' });
      feedback.success(
        reply.endedSessions > 0
          ? `Password changed. ${reply.endedSessions} other session${reply.endedSessions === 1 ? '' : 's'} ended.`
          : 'Password changed.',
      );
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate();
  };
  return (
    <Card title="Change your password">
      <form className="stack" style={{ maxWidth: 420 }} onSubmit={onSubmit}>
        <input type="hidden" autoComplete="username" value={session?.user.email ?? ''} readOnly />
        <Field label="Current password" error={issueFor(change.error, 'currentPassword')}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="password"
              autoComplete="current-password"
              required
              value={form.currentPassword}
              onChange={(e) => setForm({ ...form, currentPassword: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="New password"
          hint="At least 10 characters. You stay signed in here; other sessions end."
          error={issueFor(change.error, 'newPassword')}
        >
          {(p) => (
            <input
              {...p}
              className="input"
              type="password"
              autoComplete="new-password"
              required
              minLength={10}
              value={form.newPassword}
              onChange={(e) => setForm({ ...form, newPassword: e.target.value })}
            />
          )}
        </Field>
        {change.isError &&
        !issueFor(change.error, 'currentPassword') &&
        !issueFor(change.error, 'newPassword') ? (
          <ErrorNotice error={change.error} />
        ) : null}
        <div>
          <Button type="submit" variant="primary" busy={change.isPending}>
            Change password
          </Button>
        </div>
      </form>
    </Card>
  );
}
