// Outside text (alert labels and annotations, a service's error answer, dump lines, what a user
// typed) inside Slack messages. Slack reads `text` and every mrkdwn field as markup: `<!channel>`
// notifies a whole channel and `<https://x|label>` disguises a link, so `&`, `<` and `>` of such
// text are always escaped (https://api.slack.com/reference/surfaces/formatting#escaping), in the
// top-level `text` too (it is what notifications show).

/** Escapes Slack's three control characters: & → &amp;, < → &lt;, > → &gt;. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Reverses Slack's escaping of what a user typed (slash-command text arrives with & < > as
 * &amp; &lt; &gt;, https://api.slack.com/reference/surfaces/formatting#escaping). `&amp;` is
 * decoded last, so a typed `&lt;` (sent as `&amp;lt;`) stays `&lt;`. Re-escape before echoing.
 */
export function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Outside text ready to quote in a message: escaped, whitespace runs (newlines included) folded to
 * one space so it cannot open a quote or code block, and clipped to `max` characters (…).
 */
export function quoteOutside(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return escapeMrkdwn(flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`);
}

/**
 * A word someone typed or a button carried (a service, a pod, a snapshot number), echoed as inline
 * code: escaped once, folded and clipped as quoteOutside does (`max` characters, … included), its
 * backticks shown as ' so the code span cannot end early (`svc`x` read as code `svc`, then x and a
 * stray backtick, and what followed as markup). Takes a /leak word as parseCommandText left it
 * (escaped at the door) or plain text alike: Slack's escapes are undone first, so nothing is
 * escaped twice and nothing reaches Slack unescaped.
 */
export function codeQuote(s: string, max = 80): string {
  return `\`${quoteOutside(unescapeSlack(s).replace(/`/g, "'"), max)}\``;
}

/**
 * leakbot's own usage text with its `<service>`, `<from#>`, `<host:port>` placeholders escaped:
 * Slack reads every `<…>` as markup (a link to `service`, `host:port` taken for a URL scheme), so
 * the brackets would vanish from `/leak help` and every usage line. Slack's own sequences are kept:
 * `<@U…>`, `<#C…>`, `<!…>`, links (`<https://…|label>`, `<mailto:…>`) and anything with a label.
 */
export function escapePlaceholders(s: string): string {
  return s.replace(/<([^<>|]*)>/g, (all, inner: string) => (/^(?:[@#!]|[a-z][a-z0-9+.-]*:\/\/|mailto:)/i.test(inner) ? all : `&lt;${inner}&gt;`));
}
