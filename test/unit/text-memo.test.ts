// textMemo: a pure function of a text computed once per text per container, emptied at its bound (decision 279).
import { textMemo } from '../../shared/text-memo';

describe('textMemo', () => {
  it('computes each text once and answers the same value for it afterwards', () => {
    const computed: string[] = [];
    const upper = textMemo((text: string) => {
      computed.push(text);
      return { text: text.toUpperCase() };
    }, 8);

    const first = upper('vpce-policy');
    expect(upper('vpce-policy')).toBe(first);
    expect(upper('other')).toEqual({ text: 'OTHER' });
    expect(upper('vpce-policy')).toBe(first);
    expect(computed).toEqual(['vpce-policy', 'other']);
  });

  it('remembers an undefined answer as an answer', () => {
    let calls = 0;
    const nothing = textMemo(() => {
      calls += 1;
      return undefined;
    }, 8);
    expect(nothing('a')).toBeUndefined();
    expect(nothing('a')).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('never holds more than its bound, and answers right past it: emptied at the bound, so it holds (n - 1) % 16 + 1 after the n-th computed text', () => {
    let calls = 0;
    const length = textMemo((text: string) => {
      calls += 1;
      return text.length;
    }, 16);
    const texts = Array.from({ length: 100 }, (_, i) => 'x'.repeat(i));
    let largest = 0;
    for (const round of [1, 2]) {
      for (const text of texts) {
        expect(length(text)).toBe(text.length);
        // Every text of a round is new to the memo (100 distinct texts over a bound of 16): computed, then kept.
        expect(length.size()).toBe(((calls - 1) % 16) + 1);
        largest = Math.max(largest, length.size());
      }
      expect(calls).toBe(100 * round);
      // 100 = 6 * 16 + 4 after round one; 200 = 12 * 16 + 8 after round two.
      expect(length.size()).toBe(round === 1 ? 4 : 8);
    }
    expect(largest).toBe(16);
  });

  it('keeps a text while fewer than its bound were computed after it: the first of 256 is answered from the memo after 255 others, the 257th empties it', () => {
    const computed: string[] = [];
    const upper = textMemo((text: string) => {
      computed.push(text);
      return text.toUpperCase();
    }, 256);
    upper('first');
    for (let i = 1; i <= 255; i += 1) upper(`text ${i}`);
    expect(upper.size()).toBe(256);
    expect(upper('first')).toBe('FIRST');
    expect(computed).toHaveLength(256);
    expect(upper.size()).toBe(256);
    upper('one more');
    expect(upper.size()).toBe(1);
    expect(upper('first')).toBe('FIRST');
    expect(computed).toHaveLength(258);
    expect(upper.size()).toBe(2);
  });
});
