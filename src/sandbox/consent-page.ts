/** The HTML of the sandbox's authorisation (consent) page and its error page. */
import { escapeHtml, renderPage } from './html.ts';

export type AuthorizeParams = {
  response_type: string;
  client_id: string;
  redirect_uri: string;
  state: string;
  code_challenge: string;
  code_challenge_method: string;
  scope: string;
};

const hiddenFields: (keyof AuthorizeParams)[] = [
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
  'scope',
];

export function renderConsentPage(options: {
  mount: string;
  clientName: string;
  params: AuthorizeParams;
  username: string;
  error?: string | undefined;
}): string {
  const { params } = options;
  const scopes = params.scope.split(' ').filter(Boolean);
  const hidden = hiddenFields
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params[name])}">`)
    .join('\n');
  const errorBlock = options.error
    ? `<p class="error" role="alert" id="username-error">${escapeHtml(options.error)}</p>`
    : '';
  const describedBy = options.error ? 'username-help username-error' : 'username-help';
  const body = `
<h1>Authorize ${escapeHtml(options.clientName)}</h1>
<p><strong>${escapeHtml(options.clientName)}</strong> wants to post and read statistics on your Sandbox account.
It will be sent back to <code>${escapeHtml(new URL(params.redirect_uri).origin)}</code>.</p>
${scopes.length ? `<p>Permissions asked for: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>` : ''}
${errorBlock}
<form method="post" action="${escapeHtml(options.mount)}/oauth/authorize">
${hidden}
<label for="username">Sandbox username</label>
<input type="text" id="username" name="username" value="${escapeHtml(options.username)}" required
  maxlength="30" pattern="[A-Za-z0-9_]{1,30}" autocomplete="username" autocapitalize="none" spellcheck="false"
  aria-describedby="${describedBy}"${options.error ? ' aria-invalid="true"' : ''}>
<p class="help" id="username-help">Letters, digits and underscores. The account is created if it is new: the
sandbox has no passwords and holds only fake data.</p>
<div class="actions">
<button type="submit" name="decision" value="authorize">Authorize</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`;
  return renderPage({ title: `Authorize ${options.clientName}`, body, mount: options.mount });
}

export function renderOAuthErrorPage(options: { mount: string; message: string }): string {
  const body = `
<h1>This authorization request cannot be completed</h1>
<p class="error" role="alert">${escapeHtml(options.message)}</p>
<p>Go back to the application you came from and start connecting again.</p>`;
  return renderPage({ title: 'Authorization error', body, mount: options.mount });
}
