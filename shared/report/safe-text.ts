// Pure: text from outside (alarm reasons, log lines, resource names) made safe to show: one line, secrets masked, bounded,
// and escaped for the channel it goes to. Nothing here knows a message's layout; the renderers call it on every field.
import { textMemo } from '../text-memo';

/** "…(N more characters)" is not added: a bounded field ends with "…", so a reader knows it was cut. */
const ELLIPSIS = '…';

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and every format character: invisible, they reorder
 * or hide text (bidirectional overrides and isolates, "Trojan Source", CVE-2021-42574; zero-width spaces and joiners; the
 * soft hyphen; BOM; tag characters). By Unicode general category (Cc, Cf, Zl, Zp), so none is left out of a list.
 */
const CONTROL_OR_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * ANSI escape sequences (ECMA-48), as coloured log lines carry them: a CSI (ESC [ parameters, intermediates, final byte:
 * SGR colours, cursor moves) or a string command to its terminator (OSC, e.g. a title or an OSC 8 hyperlink; DCS, SOS,
 * PM, APC; ended by BEL or ESC \\). Any other ESC is a control character like the rest: a space, the next character kept
 * (so a bare ESC before an AWS key id never takes the key's first letter with it).
 */
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\u001b\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/**
 * What a reader sees, before anything is matched against it (review 20a R20-3, decision 326): compatibility forms folded
 * (NFKC: fullwidth and styled letters, NBSP and the other compatibility spaces become their plain forms), each ANSI escape
 * sequence and each control or invisible character a space. A space, not nothing: a secret beside one of them is a word
 * of its own, as the masks' word boundaries expect.
 */
export function visibleText(text: string): string {
  return text.normalize('NFKC').replace(ANSI_ESCAPE, ' ').replace(CONTROL_OR_INVISIBLE, ' ');
}

/** One line: the visible text (visibleText), runs of white space one space, ends trimmed. */
export function oneLine(text: string): string {
  return visibleText(text).replace(/\s+/g, ' ').trim();
}

/** At most `maxChars` characters (code points, so a cut never splits a surrogate pair), ending in "…" when cut. */
export function bounded(text: string, maxChars: number): string {
  // A string has at least as many UTF-16 units as code points: one no longer than the bound in units is within it.
  if (text.length <= maxChars) return text;
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  return `${chars.slice(0, Math.max(0, maxChars - 1)).join('')}${ELLIPSIS}`;
}

export const MASK = '****';

/**
 * Secrets and personal data that turn up in log lines and error messages, most specific first. Each keeps what helps a
 * person read the line (the key's name, the URL's host, the email's domain) and masks the value.
 */
const MASKS: ReadonlyArray<[RegExp, string | ((...groups: string[]) => string), string?]> = [
  // PEM private keys, whole block or the part that made it into one line.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, `[private key ${MASK}]`, '-----BEGIN '],
  // JSON Web Tokens: three base64url parts, the first two JSON objects ("eyJ").
  [/\beyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g, `[jwt ${MASK}]`, 'eyJ'],
  // Authorization headers and bearer / basic credentials.
  [/\b(Bearer|Basic|Token)\s+[\w\-.~+/]{8,}=*/gi, `$1 ${MASK}`],
  // AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes).
  [/\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b/g, `[aws key ${MASK}]`],
  // Provider tokens with a recognisable prefix: Slack, GitHub, GitLab, Stripe, npm, Google API keys.
  [/\b(?:xox[abposr]-[\w-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|glpat-[\w-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|npm_[A-Za-z0-9]{30,}|AIza[\w-]{35})\b/g, `[token ${MASK}]`],
  // Credentials in a URL: scheme://user:password@host keeps the user and the host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, `$1:${MASK}@`, '@'],
  // key=value and "key": "value" pairs whose key names a secret (connection strings, query strings, JSON, env dumps).
  [
    /((?:["']?)\b(?:aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token|client_?secret|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|auth[_-]?token|x-api-key|token|secret|password|passwd|pwd|pass)\b["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi,
    `$1${MASK}`,
  ],
  // Email addresses: the domain stays (it says which system), the person does not.
  [/\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b/g, `${MASK}@$1`, '@'],
];

/** Masks secrets and personal data (tokens, AWS keys, passwords in URLs and connection strings, bearer tokens, emails). */
export function maskSecrets(text: string): string {
  let masked = text;
  // The third element, where there is one, is text every match of the pattern contains (the same case): without it in
  // the line, the pattern cannot match and its scan is skipped. Every field of every message passes here.
  for (const [pattern, replacement, required] of MASKS) {
    if (required === undefined || masked.includes(required)) masked = masked.replace(pattern, replacement as string);
  }
  return masked;
}

/**
 * Texts up to this long are masked and made one line once per container (at most MEMO_TEXTS of them, then the memo is
 * emptied): a message runs some 30 fields through safeField, most of them the same at every event of a container (the
 * environment, region, account, tier names, cause labels, next-step lines), and each pass is eight secret patterns and
 * two more replaces. Longer texts (an alarm's reason, a finding) are computed each time, so the memo stays small.
 */
export const MEMO_MAX_CHARS = 512;
export const MEMO_TEXTS = 256;
/**
 * Made one line first, then masked: the masks see the text as it will be shown, so a secret beside an ANSI colour code, a
 * zero-width character or a NUL is masked like any other (review 20a R20-3: masked first, `\b` and the value classes
 * did not match across those characters, which oneLine then turned into spaces, showing the secret).
 */
const maskedOneLine = (text: string): string => maskSecrets(oneLine(text));
const maskedLine = textMemo(maskedOneLine, MEMO_TEXTS);

/** What every field from outside gets before it goes anywhere: one line of what a reader sees, secrets masked, bounded. */
export function safeField(text: string | undefined, maxChars: number): string {
  const raw = text ?? '';
  return bounded(raw.length <= MEMO_MAX_CHARS ? maskedLine(raw) : maskedOneLine(raw), maxChars);
}

/** How many texts safeField's memo holds now (at most MEMO_TEXTS): for the tests of that bound. */
export const safeFieldMemoSize = (): number => maskedLine.size();

/**
 * Slack mrkdwn (what AWS Chatbot's client-markdown becomes in Slack) and Teams markdown: "&", "<" and ">" are the only
 * characters Slack asks to escape ("Escaping text", Slack API docs), which makes `<https://evil|Run this>` and
 * `<!channel>` plain text. A bare @channel / @here / @everyone is broken with a word joiner so no client reads a
 * mention, a Markdown link `[text](url)` loses the adjacency that makes it a link, and backticks cannot close the code
 * span the text may sit in. Apply to text that is already one line (safeField).
 */
export function escapeChat(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'")
    .replace(/\]\(/g, '] (')
    .replace(/@(channel|here|everyone|all)\b/gi, '@\u2060$1');
}
