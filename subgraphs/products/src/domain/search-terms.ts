import { badUserInput } from '@shopgraph/kit';

/** At most this many distinct words are used from a search; more is a BAD_USER_INPUT. */
export const MAX_SEARCH_WORDS = 10;
/** Longest search string accepted. */
export const MAX_SEARCH_LENGTH = 200;

/** Lowercase without accents, so "Café" and "cafe" are the same word. */
export function normalizeText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** The words of a text: runs of letters and digits, normalized; everything else separates them. */
export function wordsOf(text: string): string[] {
  return normalizeText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * The distinct words of a search, in order; null/blank means no search. Too long a search or
 * too many words is BAD_USER_INPUT rather than a silently truncated query.
 */
export function parseSearchWords(search: string | null | undefined): string[] {
  if (search === null || search === undefined) return [];
  if (search.length > MAX_SEARCH_LENGTH) throw badUserInput(`search must be at most ${MAX_SEARCH_LENGTH} characters`, ['filter', 'search']);
  const words = [...new Set(wordsOf(search))];
  if (words.length > MAX_SEARCH_WORDS) throw badUserInput(`search may have at most ${MAX_SEARCH_WORDS} words`, ['filter', 'search']);
  return words;
}

/** The searchable words of a product (name, description, brand, tags), de-duplicated: stored as `searchTerms`. */
export function searchTermsOf(product: { name: string; description: string; brand: string | null; tags: string[] }): string[] {
  return [...new Set([product.name, product.description, product.brand ?? '', ...product.tags].flatMap(wordsOf))];
}

/** Escapes a string for literal use inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Mongo condition: some search term starts with `word` (prefix match, so "head" finds
 * "headphones"). Terms and words are both normalized, so this is case- and accent-insensitive.
 */
export function searchWordCondition(word: string): { searchTerms: { $regex: string } } {
  return { searchTerms: { $regex: `^${escapeRegex(word)}` } };
}

/**
 * Relevance of a product that matches every word: each word scores 3 when it matches the name,
 * 2 when it matches the brand or a tag, 1 when only the description has it.
 */
export function relevanceScore(words: string[], product: { name: string; brand: string | null; tags: string[] }): number {
  const nameTerms = wordsOf(product.name);
  const labelTerms = [product.brand ?? '', ...product.tags].flatMap(wordsOf);
  const hits = (terms: string[], word: string) => terms.some((t) => t.startsWith(word));
  return words.reduce((score, word) => score + (hits(nameTerms, word) ? 3 : hits(labelTerms, word) ? 2 : 1), 0);
}
