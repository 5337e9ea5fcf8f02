/**
 * What enrichment produces (seed 004: summary, tags, pain points, product ideas), the schema every
 * provider's answer is validated against, and the default prompts a workspace can replace.
 */
import { z } from 'zod';

export const enrichmentOutput = z.object({
  summary: z.string().trim().min(1).max(4000),
  tags: z.array(z.string().trim().min(1).max(60)).max(15),
  painPoints: z.array(z.string().trim().min(1).max(600)).max(10),
  productIdeas: z.array(z.string().trim().min(1).max(600)).max(10),
});
export type EnrichmentOutput = z.infer<typeof enrichmentOutput>;

/** The same shape as JSON Schema, for providers' structured output (strict: every field required). */
export const enrichmentJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['summary', 'tags', 'painPoints', 'productIdeas'],
  properties: {
    summary: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    painPoints: { type: 'array', items: { type: 'string' } },
    productIdeas: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const defaultPrompts = {
  system:
    'You analyse posts from online communities for a product team. Answer only with a JSON object with the keys summary (2-3 sentences), tags (up to 8 short lowercase keywords), painPoints (problems people describe) and productIdeas (products or features that would solve them). Use empty arrays when there are none.',
  user: 'Title: {{title}}\nURL: {{url}}\n\nPost:\n{{body}}\n\nTop comments:\n{{comments}}',
} as const;
export type Prompts = { system: string; user: string };

/** The text a provider is asked about: the item, its top comments as context. */
export type EnrichInput = {
  title: string;
  body: string;
  url: string | null;
  comments: { author: string | null; body: string; score: number | null }[];
};

export function renderPrompt(template: string, input: EnrichInput): string {
  const values: Record<string, string> = {
    title: input.title,
    url: input.url ?? '',
    body: input.body.slice(0, 12_000),
    comments: input.comments.map((c) => `- ${c.body.slice(0, 1000)}`).join('\n') || '(none)',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Parses a provider's reply; null with the reason when it is not valid JSON of the right shape. */
export function parseEnrichment(text: string): { output: EnrichmentOutput } | { problem: string } {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  const parsed = enrichmentOutput.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${issue.path.join('.') || 'reply'}: ${issue.message}` };
  }
  return { output: parsed.data };
}
