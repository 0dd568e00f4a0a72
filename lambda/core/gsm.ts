/**
 * Text for SMS and for SNS subjects. A single character outside the GSM 03.38 alphabet (a `ş`,
 * a `…`) switches a whole SMS to UCS-2, whose segments hold 70 characters instead of 160; SNS
 * subjects must be plain ASCII. Turkish letters are folded to ASCII in both, even the few the
 * GSM alphabet has (Ç Ö Ü ö ü), so a Turkish text reads the same throughout.
 */

/** GSM 03.38 basic character set, one septet each (the escape code 0x1B left out). */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** GSM 03.38 extension table: an escape septet plus the character, two septets each. */
const GSM7_EXTENSION = new Set('\f^{}\\[]~|€');

/** Replacements tried before anything else. Letters with other accents (â, î, é…) lose them via NFD. */
const FOLDS: Readonly<Record<string, string>> = {
  ş: 's',
  Ş: 'S',
  ı: 'i',
  İ: 'I',
  ğ: 'g',
  Ğ: 'G',
  ç: 'c',
  Ç: 'C',
  ö: 'o',
  Ö: 'O',
  ü: 'u',
  Ü: 'U',
  '…': '...',
  '≈': '~',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '«': '"',
  '»': '"',
  '•': '*',
  '→': '->',
  '×': 'x',
  '₺': 'TL',
};

const UNKNOWN = '?';

function isPrintableAscii(ch: string): boolean {
  return ch >= ' ' && ch <= '~';
}

function isGsm7Char(ch: string): boolean {
  return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch);
}

function fold(text: string, keeps: (ch: string) => boolean): string {
  let out = '';
  for (const ch of text) {
    out += foldChar(ch, keeps);
  }
  return out;
}

function foldChar(ch: string, keeps: (ch: string) => boolean): string {
  const replacement = FOLDS[ch];
  if (replacement !== undefined) return replacement;
  if (keeps(ch)) return ch;
  const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
  if (base !== '' && [...base].every(keeps)) return base;
  if (/\s/u.test(ch)) return ' ';
  if (/\p{C}/u.test(ch)) return '';
  return UNKNOWN;
}

/** The text in the GSM-7 alphabet: Turkish letters and typographic marks folded, the rest as '?'. */
export function foldToGsm7(text: string): string {
  return fold(text, isGsm7Char);
}

/** The text in printable ASCII (line breaks become spaces), for SNS subjects. */
export function foldToAscii(text: string): string {
  return fold(text, isPrintableAscii);
}

export function isGsm7(text: string): boolean {
  return [...text].every(isGsm7Char);
}

function septets(ch: string): number {
  return GSM7_EXTENSION.has(ch) ? 2 : 1;
}

/** Length in septets; meaningful for GSM-7 text (fold first), other characters count one each. */
export function gsm7Length(text: string): number {
  let length = 0;
  for (const ch of text) length += septets(ch);
  return length;
}

export const SMS_SEGMENT = 160;

/**
 * The SMS rule, in one place. SNS prepends a topic's display name to every SMS it sends, upper-cased
 * and followed by "> " ("ILETIMERKEZI BALANCE> " is 22 septets), so a text fitted to 160 would
 * arrive as two segments. The monitor's topic therefore has no display name (infra uses this
 * constant); give it one and the budget below shrinks with it.
 */
export const TOPIC_DISPLAY_NAME: string | undefined = undefined;

/** What SNS puts in front of each SMS for a topic with this display name. */
export function smsPrefix(displayName: string | undefined): string {
  return displayName ? `${displayName.toUpperCase()}> ` : '';
}

/** The septets a notice's SMS may use, so that the SMS as delivered fits one segment. */
export const SMS_BUDGET = SMS_SEGMENT - gsm7Length(foldToGsm7(smsPrefix(TOPIC_DISPLAY_NAME)));

/** A cut moves back to the last space when that loses at most this many characters. */
const WORD_BACKTRACK = 20;

/**
 * The text folded to GSM-7 and cut, if needed, to `limit` septets with a trailing "...";
 * the cut never splits a two-septet extension character and prefers a word boundary.
 */
export function fitSms(text: string, limit = SMS_SEGMENT): string {
  const folded = foldToGsm7(text);
  if (gsm7Length(folded) <= limit) return folded;
  const marker = limit >= 3 ? '...' : '';
  const budget = limit - marker.length;
  let kept = '';
  let used = 0;
  for (const ch of folded) {
    if (used + septets(ch) > budget) break;
    kept += ch;
    used += septets(ch);
  }
  const space = kept.lastIndexOf(' ');
  const atWord = space > 0 && kept.length - space <= WORD_BACKTRACK ? kept.slice(0, space) : kept;
  return `${atWord.trimEnd()}${marker}`;
}
