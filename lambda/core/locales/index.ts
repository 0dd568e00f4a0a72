import type { Locale } from '../config.js';
import type { LocaleTable } from '../wording.js';
import { EN } from './en.js';
import { TR } from './tr.js';

/** The words of each locale, one file each: every text a subscriber or an operator reads. */
export const LOCALE_TABLES: Readonly<Record<Locale, LocaleTable>> = { en: EN, tr: TR };
