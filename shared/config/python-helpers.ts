// Which parts of a shared Python text (dr-script-helpers.ts) a script uses: the top-level statements that define the
// names the script's code names, and what those name in turn, in the text's order. Each aws:executeScript step is
// rendered with only those (review 21a, R21-1): SSM refuses a document over 64 KB (CreateDocument, MaxDocumentSizeExceeded),
// and a full copy of the text in every script step took two documents past it. Pure: no I/O.
//
// A name is any identifier outside strings and comments that does not follow a dot: a local variable or keyword argument
// spelled like a helper keeps that helper (more than needed, never less). An f-string's identifiers all count. The text
// may hold only what can be judged here at its top level: imports, def, class (decorated or not), assignments to names,
// and expression statements (a call made when the text loads, such as a registration). Any other top-level statement
// (if, try, for, with, ...) throws: what it defines cannot be told without running it.

export class PythonHelpersError extends Error {
  override readonly name = 'PythonHelpersError';
}

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield',
]);
/** Lines at column 0 that continue the compound statement before them. */
const CONTINUATIONS = new Set(['else', 'elif', 'except', 'finally']);

interface Token {
  kind: 'name' | 'op' | 'string' | 'number';
  text: string;
  /** The token's line (0-based) and whether it is the first token of its line at column 0. */
  line: number;
  atColumn0: boolean;
  /** Bracket depth before the token. */
  depth: number;
  /** A name that follows a dot (an attribute): not a reference to a top-level name. */
  attribute?: boolean;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9][A-Za-z0-9_.]*|\.[0-9][A-Za-z0-9_.]*/y;
const STRING_START = /([rRbBuUfF]{0,2})('''|"""|'|")/y;

/** The tokens of Python source that matter here: names, strings (f-strings' identifiers as names), numbers, operators. */
function tokenize(source: string, comments: Array<[number, number]> = [], strings: Array<[number, number]> = []): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 0;
  let depth = 0;
  let lineStart = 0;
  let firstOfLine = true;
  const push = (token: Omit<Token, 'line' | 'atColumn0' | 'depth'>, start: number): void => {
    tokens.push({ ...token, line, atColumn0: firstOfLine && depth === 0 && start === lineStart, depth });
    firstOfLine = false;
  };
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
      // Inside brackets a new line continues the logical line; at depth 0 a new logical line starts.
      if (depth === 0) firstOfLine = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i += 1;
      continue;
    }
    if (c === '#') {
      const start = i;
      while (i < source.length && source[i] !== '\n') i += 1;
      comments.push([start, i]);
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      // An explicit line join: the next line continues this one.
      i += 2;
      line += 1;
      lineStart = i;
      continue;
    }
    STRING_START.lastIndex = i;
    const string = STRING_START.exec(source);
    if (string && (string[1] === '' || !/[A-Za-z0-9_]/.test(source[i - 1] ?? ''))) {
      const [whole, prefix = '', quote = ''] = string;
      const start = i;
      i += whole.length;
      const bodyStart = i;
      for (;;) {
        if (i >= source.length) throw new PythonHelpersError(`an unterminated string starting on line ${line + 1}`);
        const d = source[i] as string;
        if (d === '\\') {
          i += 2;
          continue;
        }
        if (source.startsWith(quote, i)) break;
        if (d === '\n' && quote.length === 1) throw new PythonHelpersError(`an unterminated string on line ${line + 1}`);
        i += 1;
      }
      const body = source.slice(bodyStart, i);
      i += quote.length;
      strings.push([start, i]);
      push({ kind: 'string', text: source.slice(start, i) }, start);
      if (/f/i.test(prefix)) for (const match of body.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) tokens.push({ kind: 'name', text: match[0], line, atColumn0: false, depth });
      line += (body.match(/\n/g) ?? []).length;
      continue;
    }
    IDENTIFIER.lastIndex = i;
    const identifier = IDENTIFIER.exec(source);
    if (identifier) {
      const previous = tokens.at(-1);
      push({ kind: 'name', text: identifier[0], ...(previous?.kind === 'op' && previous.text === '.' ? { attribute: true } : {}) }, i);
      i += identifier[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(source);
    if (number) {
      push({ kind: 'number', text: number[0] }, i);
      i += number[0].length;
      continue;
    }
    if ('([{'.includes(c)) {
      push({ kind: 'op', text: c }, i);
      depth += 1;
    } else if (')]}'.includes(c)) {
      depth = Math.max(0, depth - 1);
      push({ kind: 'op', text: c }, i);
    } else {
      // Two-character operators matter only for telling `=` from `==`, `<=`, `>=`, `!=` and augmented assignment.
      const two = source.slice(i, i + 2);
      if (['==', '<=', '>=', '!=', '->', '**', '//', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', ':='].includes(two)) {
        push({ kind: 'op', text: two }, i);
        i += 2;
        continue;
      }
      push({ kind: 'op', text: c }, i);
    }
    i += 1;
  }
  return tokens;
}

/** The names `code` refers to: identifiers outside strings and comments that are neither keywords nor attributes. */
export function pythonNamesUsed(code: string): Set<string> {
  return new Set(tokenize(code).filter((t) => t.kind === 'name' && !t.attribute && !KEYWORDS.has(t.text)).map((t) => t.text));
}

/** One top-level statement of the shared text: its lines (the comments just above it included), what it defines and names. */
export interface HelperBlock {
  text: string;
  defines: Set<string>;
  /** Names defined by an import: a module, never a reason to keep a statement that runs at load. */
  imported: Set<string>;
  uses: Set<string>;
}

function definedBy(statement: Token[]): { defines: string[]; imported: boolean } {
  const [first] = statement;
  if (!first) return { defines: [], imported: false };
  let head = 0;
  // Decorators: the statement is the def or class after them.
  while (statement[head]?.text === '@') {
    const next = statement.findIndex((t, k) => k > head && t.atColumn0);
    if (next < 0) throw new PythonHelpersError(`a decorator on line ${(statement[head]?.line ?? 0) + 1} decorates nothing`);
    head = next;
  }
  const keyword = statement[head]?.text === 'async' ? statement[head + 1] : statement[head];
  if (keyword?.text === 'def' || keyword?.text === 'class') {
    const name = statement[statement.indexOf(keyword) + 1];
    if (name?.kind !== 'name') throw new PythonHelpersError(`a ${keyword.text} without a name on line ${keyword.line + 1}`);
    return { defines: [name.text], imported: false };
  }
  if (first.text === 'import' || first.text === 'from') {
    // import a.b as x, c -> x, c; from m import a as x, b -> x, b (a star import cannot be judged).
    if (statement.some((t) => t.text === '*')) throw new PythonHelpersError(`a star import on line ${first.line + 1}: what it defines cannot be told`);
    const list = first.text === 'from' ? statement.slice(statement.findIndex((t) => t.text === 'import') + 1) : statement.slice(1);
    const defines: string[] = [];
    let current: Token[] = [];
    const flush = (): void => {
      const as = current.findIndex((t) => t.text === 'as');
      const name = as >= 0 ? current[as + 1] : current[0];
      if (name?.kind === 'name') defines.push(name.text);
      current = [];
    };
    for (const t of list) {
      if (t.text === ',') flush();
      else if (t.text !== '(' && t.text !== ')') current.push(t);
    }
    flush();
    return { defines, imported: true };
  }
  if (first.kind === 'name' && (KEYWORDS.has(first.text) || CONTINUATIONS.has(first.text))) {
    throw new PythonHelpersError(`a top-level ${first.text} statement on line ${first.line + 1}: what it defines cannot be told without running it; put it in a function`);
  }
  // Assignments: the names before each `=` at depth 0 (a = b = f(); NAME: type = value, the names before the colon);
  // `x.y = ...` or `x[k] = ...` at the top level changes something else and cannot be followed here.
  const defines: string[] = [];
  let target: Token[] = [];
  for (const t of statement) {
    if (t.depth === 0 && t.kind === 'op' && (t.text === '=' || (t.text.length === 2 && t.text.endsWith('=') && !['==', '<=', '>=', '!='].includes(t.text)))) {
      const colon = target.findIndex((x) => x.depth === 0 && x.text === ':');
      const names = colon >= 0 ? target.slice(0, colon) : target;
      if (names.some((x) => x.text === '.' || x.text === '[')) {
        throw new PythonHelpersError(`an assignment to an attribute or item at the top level (line ${t.line + 1}): it changes something the selection cannot follow`);
      }
      for (const x of names) if (x.kind === 'name' && !KEYWORDS.has(x.text)) defines.push(x.text);
      target = [];
    } else {
      target.push(t);
    }
  }
  return { defines, imported: false };
}

/** The text's top-level statements, in order, each with the comment lines just above it. */
export function helperBlocks(text: string): HelperBlock[] {
  const tokens = tokenize(text);
  const lines = text.split('\n');
  // Where each top-level statement starts: a token at column 0 that does not continue the statement before it.
  const starts: number[] = [];
  tokens.forEach((t, k) => {
    if (!t.atColumn0) return;
    if (t.kind === 'name' && CONTINUATIONS.has(t.text)) return;
    const previous = starts.at(-1);
    // A def or class after decorators belongs to them.
    if (previous !== undefined && tokens[previous]?.text === '@' && tokens.slice(previous, k).every((x) => x.text !== 'def' && x.text !== 'class')) return;
    starts.push(k);
  });
  const blocks: HelperBlock[] = [];
  starts.forEach((start, n) => {
    const end = starts[n + 1] ?? tokens.length;
    const statement = tokens.slice(start, end);
    const firstLine = (tokens[start] as Token).line;
    const lastLine = (starts[n + 1] !== undefined ? (tokens[starts[n + 1] as number] as Token).line : lines.length) - 1;
    // The statement's own lines, then the comment lines above it up to the blank line or code before them.
    let from = firstLine;
    while (from > 0 && /^#/.test(lines[from - 1] ?? '')) from -= 1;
    let to = lastLine;
    while (to > firstLine && !/\S/.test(lines[to] ?? '')) to -= 1;
    // Trailing comment lines belong to the next statement.
    while (to > firstLine && /^#/.test(lines[to] ?? '')) to -= 1;
    while (to > firstLine && !/\S/.test(lines[to] ?? '')) to -= 1;
    const { defines, imported } = definedBy(statement);
    const uses = new Set(statement.filter((t) => t.kind === 'name' && !t.attribute && !KEYWORDS.has(t.text)).map((t) => t.text));
    blocks.push({ text: lines.slice(from, to + 1).join('\n'), defines: new Set(defines), imported: new Set(imported ? defines : []), uses });
  });
  return blocks;
}

/**
 * The statements of `helpers` that `code` needs, in the text's order: those defining a name the code uses, and what they
 * use, transitively. A statement that defines nothing (a call when the text loads, such as the before-send registration
 * Deadline.call relies on) goes with what it leads to: it is kept when what it uses, transitively, meets a kept name other
 * than a module import.
 */
export function helperBlocksUsedBy(helpers: string, code: string): HelperBlock[] {
  const blocks = helperBlocks(helpers);
  const definer = new Map<string, HelperBlock>();
  for (const block of blocks) {
    for (const name of block.defines) {
      // The last definition is the one a script sees; two are a text to fix, not to guess between.
      if (definer.has(name)) throw new PythonHelpersError(`${name} is defined twice at the top level of the shared text`);
      definer.set(name, block);
    }
  }
  const closure = (names: Iterable<string>): Set<HelperBlock> => {
    const kept = new Set<HelperBlock>();
    const pending = [...names];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      const block = definer.get(name);
      if (!block || kept.has(block)) continue;
      kept.add(block);
      pending.push(...block.uses);
    }
    return kept;
  };
  const kept = closure(pythonNamesUsed(code));
  const effects = blocks.filter((b) => b.defines.size === 0);
  for (let changed = true; changed; ) {
    changed = false;
    const keptNames = new Set([...kept].flatMap((b) => [...b.defines].filter((name) => !b.imported.has(name))));
    for (const effect of effects) {
      if (kept.has(effect)) continue;
      const leadsTo = closure(effect.uses);
      if (![...leadsTo].some((b) => [...b.defines].some((name) => keptNames.has(name)))) continue;
      kept.add(effect);
      for (const block of leadsTo) kept.add(block);
      changed = true;
    }
  }
  return blocks.filter((b) => kept.has(b));
}

/** The text of the statements of `helpers` that `code` needs (helperBlocksUsedBy), one blank line between statements. */
export function helpersUsedBy(helpers: string, code: string): string {
  return helperBlocksUsedBy(helpers, code)
    .map((b) => b.text)
    .join('\n\n');
}

/**
 * `source` without its comments (a `#` outside a string to the end of its line), the lines that held only a comment and
 * blank lines outside strings: the same code. The deployed copy of a script is its code; the why stays in its source.
 */
export function withoutComments(source: string): string {
  const comments: Array<[number, number]> = [];
  const strings: Array<[number, number]> = [];
  tokenize(source, comments, strings);
  const lines = source.split('\n');
  const offsets: number[] = [];
  lines.reduce((at, line) => (offsets.push(at), at + line.length + 1), 0);
  const lineAt = (offset: number): number => {
    let line = offsets.findIndex((at, i) => offset >= at && offset <= at + (lines[i] as string).length);
    if (line < 0) line = lines.length - 1;
    return line;
  };
  const commentOn = new Map<number, number>();
  for (const [start] of comments) commentOn.set(lineAt(start), start - (offsets[lineAt(start)] as number));
  // Lines a string spans past its first: a blank one there is the string's text.
  const inString = new Set<number>();
  for (const [start, end] of strings) for (let line = lineAt(start) + 1; line <= lineAt(end); line += 1) inString.add(line);
  const kept: string[] = [];
  lines.forEach((line, i) => {
    if (inString.has(i)) return void kept.push(line);
    const at = commentOn.get(i);
    const code = at === undefined ? line : line.slice(0, at).trimEnd();
    if (code.trim() !== '') kept.push(code);
  });
  return kept.join('\n');
}

/**
 * `source` with each line's leading spaces cut to a quarter (rounded up): a block indented 4 k spaces is indented k, so
 * the program is the same (Python asks only that a block's lines share their indentation; a line inside brackets may have
 * any), in fewer bytes (review 23b: the failback replica's check took FailbackToPrimary past SSM's 64 KB with its
 * parameters; about 3,500 of its 4,800 indentation bytes go). Lines a string spans past its first are kept as they are;
 * test/unit/runbooks/dr-script-steps.test.ts proves python3 parses each DR script to the same tree either way.
 */
export function withCompactIndentation(source: string): string {
  const strings: Array<[number, number]> = [];
  tokenize(source, [], strings);
  let offset = 0;
  return source
    .split('\n')
    .map((line) => {
      const start = offset;
      offset += line.length + 1;
      if (strings.some(([from, to]) => from < start && to > start)) return line;
      const indent = line.length - line.trimStart().length;
      if (line.slice(0, indent).includes('\t')) throw new PythonHelpersError('a script indented with tabs cannot be compacted');
      return ' '.repeat(Math.ceil(indent / 4)) + line.slice(indent);
    })
    .join('\n');
}
