/** API tokens: create (shown once), list and revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Copy, KeyRound, Trash2 } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { CreatedApiToken } from '../../api/types';
import { useTimeZone } from '../../app/preferences';
import { useFeedback } from '../../components/feedback';
import { StatusBadge } from '../../components/status';
import { Button, Card, EmptyState, ErrorNotice, Field, Notice, Spinner } from '../../components/ui';
import { formatDateTime } from '../../lib/time';
import { issueFor } from '../form-issues';

export function Tokens() {
  const feedback = useFeedback();
  const [zone] = useTimeZone();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => unwrap(api.GET('/api/tokens')) });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/tokens', { body: { name } })),
    onSuccess: async (token) => {
      setCreated(token);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['tokens'] });
      feedback.success('Token revoked. Programs using it are refused from now on.');
    },
    onError: feedback.error,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="stack">
      <Card title="Create a token">
        <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={onSubmit}>
          <Field
            label="What is it for?"
            className="grow"
            hint="A name to recognise it by, e.g. “CI release notes”."
            error={issueFor(create.error, 'name')}
          >
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
          <Button type="submit" variant="primary" busy={create.isPending}>
            Create token
          </Button>
        </form>
        {create.isError && !issueFor(create.error, 'name') ? <ErrorNotice error={create.error} /> : null}
        {created ? (
          <div className="stack-sm" style={{ marginTop: 14 }}>
            <Notice kind="success" title="Copy it now.">
              This is the only time Herald shows the token “{created.name}”. Send it as{' '}
              <code>Authorization: Bearer …</code>.
            </Notice>
            <div className="secret">
              <code data-testid="new-token" style={{ flex: 1 }}>
                {created.token}
              </code>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  void navigator.clipboard
                    ?.writeText(created.token)
                    .then(() => feedback.success('Token copied.'));
                }}
              >
                <Copy size={14} aria-hidden="true" /> Copy
              </button>
            </div>
          </div>
        ) : null}
      </Card>
      <Card title="Your tokens" bodyless>
        {tokens.isPending ? (
          <Spinner />
        ) : tokens.isError ? (
          <div className="card-body">
            <ErrorNotice error={tokens.error} />
          </div>
        ) : tokens.data.tokens.length === 0 ? (
          <EmptyState icon={<KeyRound size={34} aria-hidden="true" />} title="No tokens">
            Create one to use Herald's API from scripts and other programs.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-responsive">
              <caption className="sr-only">API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.tokens.map((t) => (
                  <tr key={t.id}>
                    <td data-label="Name">
                      {t.name} {t.revokedAt ? <StatusBadge status="revoked" /> : null}
                    </td>
                    <td data-label="Starts with" className="mono">
                      {t.prefix}…
                    </td>
                    <td data-label="Created" className="small">
                      {formatDateTime(t.createdAt, zone, { weekday: undefined })}
                    </td>
                    <td data-label="Last used" className="small">
                      {t.lastUsedAt ? formatDateTime(t.lastUsedAt, zone, { weekday: undefined }) : 'never'}
                    </td>
                    <td data-label="">
                      {!t.revokedAt ? (
                        <Button
                          size="sm"
                          variant="danger"
                          onClick={async () => {
                            if (
                              await feedback.confirm({
                                title: `Revoke “${t.name}”?`,
                                body: 'Programs using it stop working at once.',
                                confirmLabel: 'Revoke',
                                danger: true,
                              })
                            )
                              revoke.mutate(t.id);
                          }}
                        >
                          <Trash2 size={14} aria-hidden="true" /> Revoke
                          <span className="sr-only"> {t.name}</span>
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
