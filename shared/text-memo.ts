// Pure: a function of a text computed once per container per text, for work every decision repeats on the same texts
// (a VPC endpoint's policy document, a formula, a function name's pattern). Bounded: emptied when it holds `maxTexts`,
// so texts from outside cannot grow it without limit. Its values must not be changed by callers (frozen, or strings).

export interface TextMemo<T> {
  (text: string): T;
  /** How many texts it holds now (never more than its bound): for the tests of that bound. */
  size(): number;
}

export function textMemo<T>(compute: (text: string) => T, maxTexts: number): TextMemo<T> {
  const known = new Map<string, T>();
  const memo = (text: string): T => {
    // One lookup on a hit (the common case: the memo exists for texts that repeat); `has` only for a stored undefined.
    const hit = known.get(text);
    if (hit !== undefined || known.has(text)) return hit as T;
    const value = compute(text);
    if (known.size >= maxTexts) known.clear();
    known.set(text, value);
    return value;
  };
  return Object.assign(memo, { size: () => known.size });
}
