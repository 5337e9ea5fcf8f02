/**
 * The one interface every enrichment provider satisfies: given the item, answer text that should be
 * the enrichment JSON, with the token counts the API reported. Callers validate the answer, retry a
 * malformed one a bounded number of times, and account for every call.
 *
 * Glossary: provider = who answers (`basic` offline, `openai` and any OpenAI-compatible server,
 * `anthropic`); model = the provider's model name; usage = input and output tokens of one call.
 */
import type { AiProviderId } from '../../db/schema.ts';
import type { FetchLike } from '../../platforms/types.ts';
import { basicProvider } from './basic-provider.ts';
import { anthropicProvider } from './anthropic-provider.ts';
import type { EnrichInput, Prompts } from './enrichment.ts';
import { openaiProvider } from './openai-provider.ts';

export type AiReply = { text: string; inputTokens: number; outputTokens: number };

export type AiProvider = {
  id: AiProviderId;
  /** Offline providers cost nothing and need no budget. */
  metered: boolean;
  complete(input: EnrichInput, options: { signal?: AbortSignal }): Promise<AiReply>;
};

export type ProviderSettings = {
  provider: AiProviderId;
  model: string;
  baseUrl: string | null;
  apiKey: string | null;
  prompts: Prompts;
  maxOutputTokens: number;
  fetch: FetchLike;
};

export function providerFor(settings: ProviderSettings): AiProvider {
  switch (settings.provider) {
    case 'basic':
      return basicProvider;
    case 'openai':
      return openaiProvider(settings);
    case 'anthropic':
      return anthropicProvider(settings);
  }
}
