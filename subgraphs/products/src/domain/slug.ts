/** What a slug looks like: lowercase letters and digits in dash-separated groups. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 80;

/** A URL slug from a name: accents dropped, lowercase, non-alphanumerics as single dashes, at most 80 characters. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '');
}

/** `base` for n = 1, else `base-n`. */
export function withSuffix(base: string, n: number): string {
  return n <= 1 ? base : `${base}-${n}`;
}

/** The first of `base`, `base-2`, `base-3`, … that is not in `taken`. */
export function firstFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let n = 1;
  while (used.has(withSuffix(base, n))) n++;
  return withSuffix(base, n);
}
