import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitSms, foldToAscii, foldToGsm7, gsm7Length, isGsm7, SMS_SEGMENT } from '../../lambda/core/gsm.js';

describe('foldToGsm7', () => {
  it.each([
    ['ş', 's'],
    ['Ş', 'S'],
    ['ı', 'i'],
    ['İ', 'I'],
    ['ğ', 'g'],
    ['Ğ', 'G'],
    ['ç', 'c'],
    ['Ç', 'C'],
    ['ö', 'o'],
    ['Ö', 'O'],
    ['ü', 'u'],
    ['Ü', 'U'],
  ])('folds the Turkish letter %s to %s', (letter, ascii) => {
    expect(foldToGsm7(letter)).toBe(ascii);
  });

  it('folds a Turkish sentence to plain letters', () => {
    expect(foldToGsm7('Üyelik bilgileri hatalı; ŞİMDİ yükleyin, Çağrı!')).toBe(
      'Uyelik bilgileri hatali; SIMDI yukleyin, Cagri!',
    );
  });

  it.each([
    ['…', '...'],
    ['≈', '~'],
    ['–', '-'],
    ['—', '-'],
    ['’', "'"],
    ['“x”', '"x"'],
    ['→', '->'],
    ['₺', 'TL'],
  ])('replaces the typographic mark %s with %s', (mark, replacement) => {
    expect(foldToGsm7(mark)).toBe(replacement);
  });

  it('drops other accents a GSM-7 phone cannot show (kâr → kar)', () => {
    expect(foldToGsm7('kâr, hâlâ, Î')).toBe('kar, hala, I');
  });

  it('keeps characters the GSM-7 alphabet has', () => {
    expect(foldToGsm7('é £ € { } Ä ñ @ _')).toBe('é £ € { } Ä ñ @ _');
  });

  it('turns spacing characters into spaces and drops invisible ones', () => {
    expect(foldToGsm7('a\tb\u00a0c\u200bd')).toBe('a b cd');
  });

  it('marks a character it cannot represent with "?" (one per emoji, not per UTF-16 unit)', () => {
    expect(foldToGsm7('ok 😀 ✓')).toBe('ok ? ?');
  });

  it('always yields GSM-7 text, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(isGsm7(foldToGsm7(text))).toBe(true);
      }),
    );
  });
});

describe('foldToAscii', () => {
  it('folds Turkish letters and accents the same way', () => {
    expect(foldToAscii('KRİTİK bakiye düşük — é')).toBe('KRITIK bakiye dusuk - e');
  });

  it('turns line breaks into spaces', () => {
    expect(foldToAscii('a\nb\r\nc')).toBe('a b  c');
  });

  it('marks GSM-only symbols it cannot spell in ASCII with "?"', () => {
    expect(foldToAscii('£5')).toBe('?5');
  });

  it('always yields printable ASCII, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(foldToAscii(text)).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
  });
});

describe('isGsm7', () => {
  it.each([
    ['ASCII letters, digits and punctuation', 'iletiMerkezi main: 12.50 TL (~80 SMS)!', true],
    ['an extension-table character', '{[€]}', true],
    ['a line break', 'a\nb', true],
    ['a Turkish ş', 'yükleyin: ş', false],
    ['a dotless ı', 'hatalı', false],
    ['a backtick, which GSM-7 lacks', '`code`', false],
    ['an ellipsis character', '…', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(isGsm7(text)).toBe(expected);
  });
});

describe('gsm7Length', () => {
  it('counts a basic character as one septet', () => {
    expect(gsm7Length('abc @£')).toBe(6);
  });

  it('counts an extension-table character as two septets', () => {
    expect(gsm7Length('{}[]~^|€\\')).toBe(18);
  });

  it('counts a mixed text septet by septet', () => {
    expect(gsm7Length('~80 SMS')).toBe(8);
  });
});

describe('fitSms', () => {
  it('returns a text within the limit unchanged apart from folding', () => {
    expect(fitSms('Bakiye düşük')).toBe('Bakiye dusuk');
  });

  it('cuts a long text at a word boundary within the limit and ends it with "..."', () => {
    expect(fitSms('word '.repeat(60))).toBe(`${'word '.repeat(30)}word...`);
  });

  it('cuts inside a word too long to keep whole', () => {
    expect(fitSms('x'.repeat(200))).toBe(`${'x'.repeat(SMS_SEGMENT - 3)}...`);
  });

  it('never splits a two-septet extension character', () => {
    expect(fitSms('€'.repeat(100))).toBe(`${'€'.repeat(78)}...`);
  });

  it('honours a smaller limit', () => {
    expect(fitSms('abcdefghij', 8)).toBe('abcde...');
  });

  it('leaves out the "..." when the limit has no room for it', () => {
    expect(fitSms('abcdef', 2)).toBe('ab');
  });

  it('folds before measuring, so Turkish letters cost one septet each', () => {
    expect(fitSms('ş'.repeat(160))).toBe('s'.repeat(160));
  });

  it('always fits the limit and stays GSM-7, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.integer({ min: 0, max: 200 }),
        (text, limit) => {
          const fitted = fitSms(text, limit);
          expect(gsm7Length(fitted)).toBeLessThanOrEqual(limit);
          expect(isGsm7(fitted)).toBe(true);
        },
      ),
    );
  });
});
