/**
 * OpenAI Chat Completions, and every server that speaks it (Ollama, llama.cpp, vLLM, LM Studio) by
 * base URL, asking for JSON-schema structured output. The SDK's own retries are off: Herald counts
 * and budgets every call itself.
 */
import OpenAI from 'openai';
import { AppError } from '../../errors.ts';
import { enrichmentJsonSchema, renderPrompt } from './enrichment.ts';
import type { AiProvider, ProviderSettings } from './provider.ts';

export function openaiProvider(settings: ProviderSettings): AiProvider {
  const client = new OpenAI({
    apiKey: settings.apiKey ?? 'not-needed',
    baseURL: settings.baseUrl ?? 'https://api.openai.com/v1',
    fetch: settings.fetch,
    maxRetries: 0,
    timeout: 120_000,
  });
  return {
    id: 'openai',
    metered: true,
    async complete(input, options) {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(
          {
            model: settings.model,
            max_tokens: settings.maxOutputTokens,
            messages: [
              { role: 'system', content: settings.prompts.system },
              { role: 'user', content: renderPrompt(settings.prompts.user, input) },
            ],
            response_format: {
              type: 'json_schema',
              json_schema: { name: 'enrichment', strict: true, schema: enrichmentJsonSchema },
            },
          },
          { signal: options.signal },
        );
      } catch (error) {
        throw new AppError(
          'unavailable',
          `the OpenAI-compatible API refused the call: ${(error as Error).message}`,
        );
      }
      return {
        text: completion.choices[0]?.message.content ?? '',
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
      };
    },
  };
}
