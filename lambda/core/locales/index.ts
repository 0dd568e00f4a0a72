import type { Locale } from '../config.js';
import type { AlarmWording, DigestWording, NoticeWording, TestWording } from '../wording.js';
import * as en from './en.js';
import * as tr from './tr.js';

/**
 * The words of each locale, one file each: every text a subscriber or an operator reads. One map
 * per kind of text, so a bundle keeps only the texts it renders (the function has no use for the
 * alarm relay's, which the stack writes into the template).
 */
export const NOTICE_WORDING: Readonly<Record<Locale, NoticeWording>> = { en: en.NOTICE, tr: tr.NOTICE };
export const TEST_WORDING: Readonly<Record<Locale, TestWording>> = { en: en.TEST, tr: tr.TEST };
export const DIGEST_WORDING: Readonly<Record<Locale, DigestWording>> = { en: en.DIGEST, tr: tr.DIGEST };
export const ALARM_WORDING: Readonly<Record<Locale, AlarmWording>> = { en: en.ALARM, tr: tr.ALARM };
