/**
 * Connects a sandbox account the way a person does, over plain HTTP: Herald's connect endpoint, the
 * sandbox consent page and its form, and the redirect back to Herald's callback. Used by tests and
 * the benchmark, so it depends on nothing but fetch.
 */

/** The fields of the sandbox consent form, as a browser would submit them. */
export function consentFormFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g)) {
    fields[match[1]!] = match[2]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"');
  }
  return fields;
}

export type ConnectedChannel = { channelId: string; connectionId: string; username: string };

async function expectStatus(response: Response, status: number, step: string) {
  if (response.status !== status) {
    throw new Error(`${step}: expected HTTP ${status}, got ${response.status}: ${await response.text()}`);
  }
}

export async function connectSandbox(
  herald: { baseUrl: string },
  options: { workspaceId: string; member: { headers: Record<string, string> }; username: string },
): Promise<ConnectedChannel> {
  const base = herald.baseUrl;
  const start = await fetch(`${base}/api/workspaces/${options.workspaceId}/connect/sandbox`, {
    method: 'POST',
    headers: { ...options.member.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ returnTo: '/channels' }),
  });
  await expectStatus(start, 200, 'connect');
  const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
  const page = await fetch(authorizeUrl);
  await expectStatus(page, 200, 'consent page');
  const fields = consentFormFields(await page.text());
  fields.username = options.username;
  fields.decision = 'authorize';
  // The consent form posts back to the authorize endpoint, wherever the sandbox is served from.
  const authorizeEndpoint = new URL(authorizeUrl);
  authorizeEndpoint.search = '';
  const consent = await fetch(authorizeEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  await expectStatus(consent, 302, 'consent');
  const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  await expectStatus(callback, 302, 'callback');
  const back = new URL(callback.headers.get('location')!, base);
  const connectionId = back.searchParams.get('connected');
  if (back.pathname !== '/channels' || !connectionId) {
    throw new Error(`connect failed: ${back.searchParams.get('error') ?? back.toString()}`);
  }
  const channels = await fetch(`${base}/api/workspaces/${options.workspaceId}/channels`, {
    headers: options.member.headers,
  });
  const channel = (
    (await channels.json()) as { items: { id: string; connection: { id: string } }[] }
  ).items.find((c) => c.connection.id === connectionId);
  if (!channel) throw new Error('connected account has no channel');
  return { channelId: channel.id, connectionId, username: options.username };
}
