/**
 * The offline default: no key, no network. Built on `wink-nlp` with its English model, it picks
 * from the text's own sentences — an extractive summary (the sentences richest in the text's
 * frequent content words), keyword tags (frequent nouns and names), pain points (sentences with
 * negative sentiment or problem words) and product ideas (sentences that wish for or look for
 * something). Nothing is invented, which is why the UI labels it basic.
 */
import winkNLP, { type ItemSentence, type ItemToken } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import type { EnrichInput, EnrichmentOutput } from './enrichment.ts';
import type { AiProvider } from './provider.ts';

const nlp = winkNLP(model);
const its = nlp.its;

const PROBLEM =
  /\b(problem|issue|struggl|hard|difficult|pain|annoy|frustrat|broken|fail|can't|cannot|unable|hate|slow|expensive|confus|lost|losing|bug|crash|dying)/i;
const IDEA =
  /\b(wish|would be (great|nice|cool)|if only|looking for|is there (a|an|any)|need(s|ed)? (a|an)|should (have|be)|anyone know|recommend|alternative to|would pay)/i;

type Sentence = { text: string; sentiment: number; words: string[] };

function analyse(text: string): {
  sentences: Sentence[];
  frequency: Map<string, number>;
  nouns: Map<string, number>;
} {
  const doc = nlp.readDoc(text);
  const sentences: Sentence[] = [];
  const frequency = new Map<string, number>();
  const nouns = new Map<string, number>();
  doc.sentences().each((s: ItemSentence) => {
    const words: string[] = [];
    s.tokens().each((t: ItemToken) => {
      if (t.out(its.type) !== 'word' || t.out(its.stopWordFlag)) return;
      // The lemma needs the model's add-ons, which wink's token typing does not express.
      const lemma = String(t.out(its.lemma as never)).toLowerCase();
      if (lemma.length < 3) return;
      words.push(lemma);
      frequency.set(lemma, (frequency.get(lemma) ?? 0) + 1);
      const pos = t.out(its.pos);
      if (pos === 'NOUN' || pos === 'PROPN') nouns.set(lemma, (nouns.get(lemma) ?? 0) + 1);
    });
    sentences.push({ text: String(s.out()).trim(), sentiment: Number(s.out(its.sentiment)) || 0, words });
  });
  return { sentences: sentences.filter((s) => s.text), frequency, nouns };
}

const unique = (values: string[]) => [...new Set(values)];

export function basicEnrichment(input: EnrichInput): EnrichmentOutput {
  const own = `${input.title}. ${input.body}`;
  const context = input.comments.map((c) => c.body).join('\n');
  const { sentences, frequency, nouns } = analyse(`${own}\n${context}`);
  const ownSentences = analyse(own).sentences;
  const score = (s: Sentence) =>
    s.words.length ? s.words.reduce((n, w) => n + (frequency.get(w) ?? 0), 0) / Math.sqrt(s.words.length) : 0;
  const ranked = ownSentences
    .map((s, index) => ({ s, index, score: score(s) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .sort((a, b) => a.index - b.index);
  const summary = ranked.map((r) => r.s.text).join(' ') || input.title;
  const tags = [...nouns.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 8)
    .map(([word]) => word);
  const painPoints = unique(
    sentences.filter((s) => s.sentiment < -0.1 || PROBLEM.test(s.text)).map((s) => s.text),
  ).slice(0, 5);
  const productIdeas = unique(sentences.filter((s) => IDEA.test(s.text)).map((s) => s.text)).slice(0, 5);
  return { summary: summary.slice(0, 4000), tags, painPoints, productIdeas };
}

export const basicProvider: AiProvider = {
  id: 'basic',
  metered: false,
  async complete(input) {
    return { text: JSON.stringify(basicEnrichment(input)), inputTokens: 0, outputTokens: 0 };
  },
};
