/** A piece of HTML that is already safe (built by `markup` or `raw`): interpolated as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

type Part = SafeHtml | string | number | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/**
 * Tagged template for HTML (named `markup`, not `html`, so that Prettier leaves the markup as written): every interpolated value is escaped unless it is SafeHtml (the result
 * of another `markup` template). Templates therefore cannot forget to escape a user-supplied string:
 * a name or an address line with markup shows as text.
 */
export function markup(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/**
 * A URL for an href: only http(s) URLs pass (a `javascript:` URL from a misconfigured base or a
 * forged value becomes '#'); the caller interpolates it through `markup`, which escapes it.
 */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : '#';
  } catch {
    return '#';
  }
}

/**
 * Makes a user-supplied string safe for one line of the plain-text part and the subject: control
 * characters (CR/LF included, so nothing can start a header or a fake paragraph) become spaces.
 */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}
