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

  it('never holds more than its bound, and answers right past it', () => {
    let calls = 0;
    const length = textMemo((text: string) => {
      calls += 1;
      return text.length;
    }, 16);
    const texts = Array.from({ length: 100 }, (_, i) => 'x'.repeat(i));
    for (const round of [1, 2]) {
      for (const text of texts) {
        expect(length(text)).toBe(text.length);
        expect(length.size()).toBeLessThanOrEqual(16);
      }
      expect(calls).toBe(100 * round);
    }
  });
});
