// Pure: text from outside (alarm reasons, log lines, resource names) made safe to show: one line, secrets masked, bounded,
// and escaped for the channel it goes to. Nothing here knows a message's layout; the renderers call it on every field.
import { textMemo } from '../text-memo';

/** "…(N more characters)" is not added: a bounded field ends with "…", so a reader knows it was cut. */
const ELLIPSIS = '…';

/**
 * Characters that draw nothing, or a blank, and are not white space (decision 355, review 21b R21b-2): every format
 * character (Cf: bidirectional overrides and isolates, "Trojan Source", CVE-2021-42574; zero-width spaces and joiners;
 * the soft hyphen; BOM; tag characters), every default-ignorable code point (Unicode's Default_Ignorable_Code_Point, which
 * a renderer draws as nothing: the variation selectors U+FE00-FE0F and U+E0100-E01EF, the combining grapheme joiner
 * U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the Mongolian free variation selectors, the Khmer inherent
 * vowels, the reserved ranges kept for more of them), and the braille blank U+2800 (a glyph with no dots). By Unicode
 * property, so none is left out of a list. Not U+FFFC or U+FFFD: they draw a box or a "?", a reader sees them.
 */
const INVISIBLE_CLASS = '\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u2800';

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the invisible characters above: each a space once
 * made visible.
 */
const CONTROL_OR_INVISIBLE = new RegExp(`[\\p{Cc}\\p{Zl}\\p{Zp}${INVISIBLE_CLASS}]`, 'gu');

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
  return unseenAsSpaces(text.normalize('NFKC'));
}

/** visibleText of text already folded (NFKC). */
function unseenAsSpaces(folded: string): string {
  return folded.replace(ANSI_ESCAPE, ' ').replace(CONTROL_OR_INVISIBLE, ' ');
}

/** One line: the visible text (visibleText), runs of white space one space, ends trimmed. */
export function oneLine(text: string): string {
  return oneLineOf(visibleText(text));
}

function oneLineOf(visible: string): string {
  return visible.replace(/\s+/g, ' ').trim();
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
 * A 40-character word is hidden as a secret access key when it has a lower-case letter, an upper-case letter and a digit,
 * "/" or "+" (a random key of that alphabet lacks one of them about once in 4,000) and is not all hexadecimal digits: a
 * SHA-1 (a git commit id, an ETag-like digest) is hex, lower- or upper-case, and stays readable, as does a word of one
 * case (a name in capitals). What else it hides: a 40-character word of both cases with a digit or "/" (a CDK logical id
 * or a path of exactly that length), shown as what the rule saw, `[40-char key ****]`.
 */
const BARE_SECRET_KEY = /(?<![A-Za-z0-9/+_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])/g;

function secretKeyOrKept(word: string): string {
  return /[a-z]/.test(word) && /[A-Z]/.test(word) && /[0-9/+]/.test(word) && !/^[0-9A-Fa-f]+$/.test(word) ? `[40-char key ${MASK}]` : word;
}

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
  // A bare AWS secret access key (decision 355, review 21b R21b-6): a word of exactly 40 characters of its alphabet
  // (letters, digits, "/" and "+"), not a segment of a hyphenated or snake_case name nor of a longer base64 value, when
  // it is plausibly random: see secretKeyOrKept. Last, so a labelled one keeps its label's mask (`key=****`).
  [BARE_SECRET_KEY, (word) => secretKeyOrKept(word)],
];

/**
 * What a reader does not see and that can stand inside a word: an ANSI escape sequence, an invisible character
 * (INVISIBLE_CLASS: format characters, default-ignorables such as variation selectors and Hangul fillers, the braille
 * blank), a control character other than white space (NUL, BEL, DEL, C1...); one or more in a row. Not tab, line feed, VT, FF, CR or NEL, nor the separators and spaces: a reader sees those as a break.
 */
const UNSEEN_RUN_SOURCE = `(?:${ANSI_ESCAPE.source}|[${INVISIBLE_CLASS}]|(?![\\t\\n\\v\\f\\r\\u0085])\\p{Cc})+`;
const UNSEEN_RUN = new RegExp(UNSEEN_RUN_SOURCE, 'gu');
const HAS_UNSEEN_RUN = new RegExp(UNSEEN_RUN_SOURCE, 'u');

/** Each mask's pattern without its `g`: what one match is replaced with, on its own. */
const SINGLE_MASKS = MASKS.map(([pattern, replacement]) => [new RegExp(pattern.source, pattern.flags.replace('g', '')), replacement] as const);

/** How many runs of a text are each tried joined on its own (the others spaces); all are tried joined at once too. */
const RUNS_TRIED_ALONE = 16;

/** Spans [from, to) of `text` some mask other than the bare secret key matches. */
function otherMasksSpans(text: string): Array<readonly [number, number]> {
  const spans: Array<readonly [number, number]> = [];
  for (const [pattern, , required] of MASKS) {
    if (pattern === BARE_SECRET_KEY || (required !== undefined && !text.includes(required))) continue;
    for (const match of text.matchAll(pattern)) spans.push([match.index, match.index + match[0].length]);
  }
  return spans;
}

/**
 * Adds to `inside` each point (a run's place in `text`) strictly inside the part some mask's match in `text` hides.
 * `text` is `spaced` (each run a space) with the runs at `points` taken out. The bare secret key is a guess at a word, not a
 * pattern with a shape of its own: a 40-character word the join makes is not taken for one where, in `spaced`, another mask
 * matches (a label and its value, a token and the word after it glued): that secret is that mask's to hide (326, 342).
 */
function markHidden(text: string, points: ReadonlyArray<{ run: number; at: number }>, inside: Set<number>, spaced: () => Array<readonly [number, number]>): void {
  MASKS.forEach(([pattern, , required], index) => {
    if (required !== undefined && !text.includes(required)) return;
    const [single, replacement] = SINGLE_MASKS[index] ?? [pattern, ''];
    for (const match of text.matchAll(pattern)) {
      const found = match[0];
      const replaced = found.replace(single, replacement as string);
      // The part hidden: the match less what its replacement keeps at either end (the label, the URL's user and host).
      let kept = 0;
      while (kept < found.length && kept < replaced.length && found[kept] === replaced[kept]) kept += 1;
      let keptEnd = 0;
      while (keptEnd < found.length - kept && keptEnd < replaced.length - kept && found[found.length - 1 - keptEnd] === replaced[replaced.length - 1 - keptEnd]) keptEnd += 1;
      const from = match.index + kept;
      const to = match.index + found.length - keptEnd;
      if (from >= to) continue;
      if (pattern === BARE_SECRET_KEY) {
        // The word's place in `spaced`: one more character for each run taken out before it.
        const spacedFrom = from + points.filter((point) => point.at <= from).length;
        const spacedTo = to + points.filter((point) => point.at < to).length;
        if (spaced().some(([start, end]) => start < spacedTo && spacedFrom < end)) continue;
      }
      for (const point of points) if (point.at > from && point.at < to) inside.add(point.run);
    }
  });
}

/**
 * `folded` (NFKC) with each run of unseen characters that stands inside a secret removed, the others kept (visibleText
 * then makes them spaces). A run stands inside a secret when, taken out, it is strictly inside the part a mask hides
 * (`AKIAIOSF` ZWSP `ODNN7EXAMPLE`, `Bearer abcd` ZWSP `efgh1234`): shown as a space, the secret's pieces were words of
 * their own, masked in part or not at all. Tried with every run taken out (a secret split twice) and with each run taken
 * out alone, the others spaces (a label whose space is a run: `Bearer` ZWSP `token` ZWSP `rest`); the first 16 runs
 * alone. A run beside a secret stays a space, so the secret stays a word of its own for the masks' word boundaries
 * (decision 326), as does one between a label and its value (the label is not hidden). A word that a run glues to a
 * secret whose value runs on (a token's tail, an email's local part) is one word to a reader, and is hidden with it:
 * more hidden, never less (decision 342).
 */
function joinSplitSecrets(folded: string): string {
  if (!HAS_UNSEEN_RUN.test(folded)) return folded;
  const runs: Array<{ start: number; end: number }> = [];
  const pieces: string[] = [];
  let from = 0;
  for (const run of folded.matchAll(UNSEEN_RUN)) {
    pieces.push(folded.slice(from, run.index));
    runs.push({ start: run.index, end: run.index + run[0].length });
    from = run.index + run[0].length;
  }
  pieces.push(folded.slice(from));
  // The pieces between runs as the masks will see them (their line breaks, NEL among them, spaces).
  const seen = pieces.map(unseenAsSpaces);
  const inside = new Set<number>();
  let claimed: Array<readonly [number, number]> | undefined;
  const spaced = (): Array<readonly [number, number]> => (claimed ??= otherMasksSpans(seen.join(' ')));
  // Every run taken out at once.
  let at = 0;
  markHidden(
    seen.join(''),
    runs.map((_run, index) => ({ run: index, at: (at += seen[index]?.length ?? 0) })),
    inside,
    spaced,
  );
  // Each run taken out alone, the others a space.
  for (let index = 0; index < Math.min(runs.length, RUNS_TRIED_ALONE); index += 1) {
    if (inside.has(index)) continue;
    const before = seen.slice(0, index + 1).join(' ');
    markHidden(`${before}${seen.slice(index + 1).join(' ')}`, [{ run: index, at: before.length }], inside, spaced);
  }
  if (inside.size === 0) return folded;
  let rebuilt = '';
  from = 0;
  runs.forEach((run, index) => {
    if (!inside.has(index)) return;
    rebuilt += folded.slice(from, run.start);
    from = run.end;
  });
  return rebuilt + folded.slice(from);
}

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
 * did not match across those characters, which oneLine then turned into spaces, showing the secret). Before that, the
 * runs of them that stand inside a secret are taken out (joinSplitSecrets, decision 342), so a split secret is masked whole.
 */
const maskedOneLine = (text: string): string => maskSecrets(oneLineOf(unseenAsSpaces(joinSplitSecrets(text.normalize('NFKC')))));
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
