/** The Anthropic Messages API. The SDK's own retries are off: Herald counts and budgets every call. */
import Anthropic from '@anthropic-ai/sdk';
import { AppError } from '../../errors.ts';
import { renderPrompt } from './enrichment.ts';
import type { AiProvider, ProviderSettings } from './provider.ts';

export function anthropicProvider(settings: ProviderSettings): AiProvider {
  const client = new Anthropic({
    apiKey: settings.apiKey ?? '',
    baseURL: settings.baseUrl ?? 'https://api.anthropic.com',
    fetch: settings.fetch,
    maxRetries: 0,
    timeout: 120_000,
  });
  return {
    id: 'anthropic',
    metered: true,
    async complete(input, options) {
      let message: Anthropic.Message;
      try {
        message = await client.messages.create(
          {
            model: settings.model,
            max_tokens: settings.maxOutputTokens,
            system: settings.prompts.system,
            messages: [{ role: 'user', content: renderPrompt(settings.prompts.user, input) }],
          },
          { signal: options.signal },
        );
      } catch (error) {
        throw new AppError('unavailable', `the Anthropic API refused the call: ${(error as Error).message}`);
      }
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      return { text, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
    },
  };
}
