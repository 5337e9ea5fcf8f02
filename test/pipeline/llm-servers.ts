/**
 * Local LLM APIs for enrichment tests: an OpenAI-compatible `POST /v1/chat/completions` and an
 * Anthropic-shaped `POST /v1/messages`, each answering from a script of replies (valid JSON, or
 * malformed text) with usage figures, checking the key header, and recording every request.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedReply =
  { text: string; inputTokens?: number; outputTokens?: number } | { status: number; body: unknown };

export type LlmServer = Awaited<ReturnType<typeof startLlmServer>>;

export const validEnrichment = (summary = 'A summary.') =>
  JSON.stringify({
    summary,
    tags: ['nas', 'backup'],
    painPoints: ['Disks fail often.'],
    productIdeas: ['A simple disk health dashboard.'],
  });

export async function startLlmServer(options: { kind: 'openai' | 'anthropic'; apiKey: string }) {
  const script: ScriptedReply[] = [];
  /** Used when the script is empty. */
  let fallback: ScriptedReply = { text: validEnrichment(), inputTokens: 500, outputTokens: 100 };
  const requests: { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: req.headers, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const authorised =
      options.kind === 'openai'
        ? req.headers.authorization === `Bearer ${options.apiKey}`
        : // The SDK sends the key as `x-api-key` or, in newer versions, as a bearer token.
          (req.headers['x-api-key'] === options.apiKey ||
            req.headers.authorization === `Bearer ${options.apiKey}`) &&
          typeof req.headers['anthropic-version'] === 'string';
    if (!authorised) {
      return send(401, { error: { type: 'authentication_error', message: 'invalid api key' } });
    }
    const expected = options.kind === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    if (req.method !== 'POST' || path !== expected) return send(404, { error: { message: 'not found' } });
    const next = script.shift() ?? fallback;
    if ('status' in next) return send(next.status, next.body);
    const input = next.inputTokens ?? 500;
    const output = next.outputTokens ?? 100;
    if (options.kind === 'openai') {
      return send(200, {
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: 1_900_000_000,
        model: body.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: next.text } }],
        usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
      });
    }
    return send(200, {
      id: `msg_${requests.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: next.text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: output },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script,
    setFallback(reply: ScriptedReply) {
      fallback = reply;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
