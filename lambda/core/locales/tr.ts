import { SPIKE_CALM_HOURS } from '../alert-state.js';
import {
  type AlarmWording,
  approxDays,
  type DigestWording,
  type Facts,
  type FormattedSpend,
  failureClause,
  failureShort,
  failureSmsAdvice,
  type NoticeWording,
  PANEL_URL,
  roundedDuration,
  type TestWording,
} from '../wording.js';

/**
 * Every text in Turkish: the notices, the test notice, the weekly digest and the alarm relay
 * (lambda/core/wording.ts gives their shape). A new locale is one more file of this shape.
 */

const FAILURES: NoticeWording['failures'] = {
  auth: {
    short: 'giriş reddedildi',
    long: "iletiMerkezi API anahtarını ve hash'i reddetti",
    advice: (account) => [
      'Üç olası neden var, en olasıdan başlayarak:',
      `1. API anahtarı veya hash yanlış: ikisini de iletiMerkezi panelinden yeniden kopyalayın ve "npm run credentials -- ${account}" ile kaydedin.`,
      `2. API erişimi kapalı: ${PANEL_URL} adresinde Ayarlar → Güvenlik → Erişim İzinleri (Settings → Security → Access Permissions) altındaki "API erişimine izin ver" ("Allow API access") seçeneğini açın.`,
      "3. Hesap yalnızca sabit IP izin listesindeki adreslerden gelen isteklere izin veriyor: izleyici AWS Lambda üzerinde çalışır ve Lambda'nın çıkış IP adresi sabit değildir. IP kısıtlamasını kaldırın ya da işlevi NAT gateway ve Elastic IP içeren bir VPC'de çalıştırıp o adrese izin verin.",
    ],
    smsAdvice: 'Anahtar/hash, API erişimi ayarı ve IP listesine bakın.',
  },
  transient: {
    short: 'bağlantı sorunu',
    long: "bakiye okunamadı: iletiMerkezi'ye veya AWS'e ulaşılamadı (ağ hatası, zaman aşımı veya sunucu hatası)",
    advice: () => [
      'Bu genellikle geçicidir: izleyici her çalışmada yeniden dener ve sorun düzelince haber verir.',
      "Saatlerce sürerse iletiMerkezi API'sinin çalışıp çalışmadığını kontrol edin ve işlevin CloudWatch günlüklerini inceleyin.",
    ],
    smsAdvice: 'Her çalışmada yeniden deneniyor.',
  },
  'invalid-response': {
    short: 'anlaşılamayan yanıt',
    long: 'iletiMerkezi bakiye yerine anlaşılamayan bir yanıt döndürdü',
    advice: () => [
      'İzleyici anlaşılamayan bir yanıtı asla sıfır bakiye saymaz; her çalışmada yeniden dener.',
      'Sürerse API değişmiş olabilir: işlevin CloudWatch günlüklerini inceleyin ve sağlayıcının get-balance belgesiyle karşılaştırın.',
    ],
    smsAdvice: 'Yeniden deneniyor; günlüklere bakın.',
  },
  config: {
    short: 'yapılandırma eksik',
    long: "izleyicinin yapılandırması eksik (genellikle SSM'deki API anahtarı veya hash parametreleri)",
    advice: (account) => [
      `API anahtarını ve hash'i "npm run credentials -- ${account}" ile kaydedin.`,
      "cdk.json'daki parametre adlarının kayıtlı parametrelerle eşleştiğini ve işlevin bunları okuyabildiğini kontrol edin.",
    ],
    smsAdvice: 'Kimlik bilgilerini kaydedin; e-postaya bakın.',
  },
};

function trDuration(days: number): string {
  const d = roundedDuration(days);
  return 'days' in d ? `yaklaşık ${d.days} gün içinde` : `yaklaşık ${d.hours} saat içinde`;
}

function trDurationShort(days: number): string {
  const d = roundedDuration(days);
  return 'days' in d ? `~${d.days} günde` : `~${d.hours} saatte`;
}

export const NOTICE: NoticeWording = {
  intl: 'tr-NOTICE',
  levels: { OK: 'NORMAL', WARNING: 'UYARI', CRITICAL: 'KRİTİK' },
  thresholdNames: { WARNING: 'uyarı', CRITICAL: 'kritik' },
  failures: FAILURES,
  subject: {
    low: (f, a) => `iletiMerkezi bakiyesi düşük: ${a} ${f.balance?.amount ?? ''}`,
    'low-reminder': (f, a) => `Hatırlatma: iletiMerkezi bakiyesi hâlâ düşük: ${a} ${f.balance?.amount ?? ''}`,
    recovered: (f, a) => `iletiMerkezi bakiyesi yeniden yeterli: ${a} ${f.balance?.amount ?? ''}`,
    'check-failed': (f, a) => `iletiMerkezi kontrolü başarısız: ${a} (${failureShort(FAILURES, f)})`,
    'check-failed-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi kontrolü başarısız: ${a} (${failureShort(FAILURES, f)})`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi bakiye kontrolü yeniden çalışıyor: ${a} ${f.balance?.amount ?? ''}`,
    forecast: (f, a) =>
      `iletiMerkezi bakiyesi ${trRunsOutBriefly(f)} bitiyor: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi bakiyesi ${trRunsOutBriefly(f)} bitiyor: ${a} ${f.balance?.amount ?? ''}`,
    'forecast-cleared': (f, a) => `iletiMerkezi bakiye tahmini düzeldi: ${a} ${f.balance?.amount ?? ''}`,
    'spend-spike': (f, a) => `iletiMerkezi harcama artışı: ${a} ${NOTICE.spendShort(f.spend)}`,
    'spend-spike-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi harcama artışı: ${a} ${f.spend ? `${f.spend.burn}/saat` : ''}`,
    'spend-spike-cleared': (f, a) => `iletiMerkezi harcaması normale döndü: ${a} ${f.balance?.amount ?? ''}`,
  },
  headline: {
    low: (f) => `"${f.account}" hesabının iletiMerkezi bakiyesi ${f.level} seviyesine düştü.`,
    'low-reminder': (f) =>
      `Hatırlatma: "${f.account}" hesabının iletiMerkezi bakiyesi hâlâ ${f.level} seviyesinde.`,
    recovered: (f) => `"${f.account}" hesabının iletiMerkezi bakiyesi yeniden eşiklerin üzerinde.`,
    'check-failed': (f) =>
      `İzleyici "${f.account}" hesabının iletiMerkezi bakiyesini kontrol edemiyor${failureClause(FAILURES, f)}.`,
    'check-failed-reminder': (f) =>
      `Hatırlatma: izleyici "${f.account}" hesabının iletiMerkezi bakiyesini hâlâ kontrol edemiyor${failureClause(FAILURES, f)}.`,
    'monitor-recovered': (f) =>
      `İzleyici "${f.account}" hesabının iletiMerkezi bakiyesini yeniden kontrol edebiliyor. Bakiye ${f.level} seviyesinde.`,
    forecast: (f) =>
      `"${f.account}" hesabının iletiMerkezi bakiyesi eşiklerin üzerinde, ancak bu hızla ${trRunsOutAround(f)} bitecek.`,
    'forecast-reminder': (f) =>
      `Hatırlatma: "${f.account}" hesabının iletiMerkezi bakiyesi bu hızla ${trRunsOutAround(f)} bitecek.`,
    'forecast-cleared': (f) =>
      `"${f.account}" hesabının iletiMerkezi bakiyesinin ${f.forecastDays} gün içinde bitmesi artık beklenmiyor.`,
    'spend-spike': (f) =>
      `"${f.account}" hesabı iletiMerkezi bakiyesini normalden çok daha hızlı harcıyor: ${NOTICE.spendShort(f.spend)}.`,
    'spend-spike-reminder': (f) =>
      `Hatırlatma: "${f.account}" hesabı iletiMerkezi bakiyesini hâlâ normalden hızlı harcıyor: ${NOTICE.spendShort(f.spend)}.`,
    'spend-spike-cleared': (f) =>
      `"${f.account}" hesabının iletiMerkezi harcaması ${SPIKE_CALM_HOURS} saattir yeniden normale yakın.`,
  },
  sms: {
    low: (f, a, fc) =>
      `iletiMerkezi ${a} ${f.level}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? ''} Hemen yükleyin.`,
    'low-reminder': (f, a, fc) =>
      `Hatırlatma: iletiMerkezi ${a} hâlâ ${f.level}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? ''} Hemen yükleyin.`,
    recovered: (f, a) => `iletiMerkezi ${a} yeniden yeterli: ${NOTICE.balanceShort(f.balance)}.`,
    'check-failed': (f, a) =>
      `iletiMerkezi ${a}: kontrol başarısız (${failureShort(FAILURES, f)}), ${f.failure?.count ?? 1} kez, ilki ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(FAILURES, f)}`,
    'check-failed-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi ${a}: kontrol hâlâ başarısız (${failureShort(FAILURES, f)}), ilki ${f.failure?.sinceShort ?? '?'}. ${failureSmsAdvice(FAILURES, f)}`,
    'monitor-recovered': (f, a) =>
      `iletiMerkezi ${a}: bakiye kontrolü yeniden çalışıyor. ${f.level}: ${NOTICE.balanceShort(f.balance)}.`,
    forecast: (f, a, fc) =>
      `iletiMerkezi ${a}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? `${f.forecastDays} gün içinde bitebilir.`} Yakında yükleyin.`,
    'forecast-reminder': (f, a, fc) =>
      `Hatırlatma: iletiMerkezi ${a}: ${NOTICE.balanceShort(f.balance)}. ${fc ?? `${f.forecastDays} gün içinde bitebilir.`} Yakında yükleyin.`,
    'forecast-cleared': (f, a) =>
      `iletiMerkezi ${a}: ${f.forecastDays} gün içinde bitmesi artık beklenmiyor. ${NOTICE.balanceShort(f.balance)}.`,
    'spend-spike': (f, a) =>
      `iletiMerkezi ${a} HARCAMA ARTIŞI: ${NOTICE.spendShort(f.spend)}. ${NOTICE.balanceShort(f.balance)}${trLastsShort(f.spend)}. Kötüye kullanıma bakın.`,
    'spend-spike-reminder': (f, a) =>
      `Hatırlatma: iletiMerkezi ${a} harcama artışı: ${NOTICE.spendShort(f.spend)}. ${NOTICE.balanceShort(f.balance)}${trLastsShort(f.spend)}.`,
    'spend-spike-cleared': (f, a) =>
      `iletiMerkezi ${a}: harcama normale döndü. ${NOTICE.balanceShort(f.balance)}.`,
  },
  labels: {
    account: 'Hesap',
    level: 'Seviye',
    balance: 'Bakiye',
    lastBalance: 'Son bilinen bakiye',
    thresholds: 'Eşikler',
    forecast: 'Tahmin',
    problem: 'Sorun',
    details: 'Ayrıntı',
    failedChecks: 'Başarısız kontroller',
    spend: 'Harcama',
    whatToDo: 'Ne yapmalı',
  },
  levelChange: (level, previous) => (previous ? `${level} (önceki: ${previous})` : level),
  balance: (b) => `${b.amount}, yaklaşık ${b.sms} SMS${b.checkedAt ? ` (kontrol: ${b.checkedAt})` : ''}`,
  balanceShort: (b) => (b ? `${b.amount} (~${b.sms} SMS)` : 'bakiye bilinmiyor'),
  threshold: (name, limits) => `${name}: ${limits.join(' veya ')} ve altı`,
  noThresholds: 'yok',
  forecast: (f) =>
    f.daysToEmpty === 0
      ? 'bakiye bitti.'
      : `günde yaklaşık ${f.burn} harcanıyor; bu hızla ${trDuration(f.daysToEmpty)}, ${f.day} civarında bitecek` +
        (f.daysToCritical === undefined ? '' : `; kritik eşiğe ${trDuration(f.daysToCritical)} inecek`) +
        '.',
  noForecast: 'henüz bilinmiyor: son yüklemeden bu yana birkaç saatlik okuma ve azalan bir bakiye gerekiyor.',
  forecastShort: (f) =>
    f.daysToEmpty === 0 ? 'Bakiye bitti.' : `${trDurationShort(f.daysToEmpty)} biter (${f.day}).`,
  spend: (s) =>
    `son saatte ${s.burn}, haftanın ortanca saatinin (${s.normal}) ${s.multiple === undefined ? 'çok üzerinde (normal saatte harcama yok)' : `${s.multiple} katı`}` +
    (s.daysLeft === undefined ? '.' : `; bu hızla bakiye ${trDuration(s.daysLeft)} biter.`),
  spendShort: (s) =>
    s ? `${s.burn}/saat${s.multiple === undefined ? '' : ` (normalin ${s.multiple}x)`}` : '',
  spikeSteps: [
    'iletiMerkezi panelinde SMS trafiğine bakın: yanlışlıkla gönderilen bir kampanya, bir uygulamada döngü ya da SMS pompalama (pahalı numaralara sahte kayıt veya tek kullanımlık şifre istekleri).',
    `Kötüye kullanım ise SMS'i tetikleyen göndericiyi veya formu engelleyin ve ${PANEL_URL} adresinden API anahtarını yenileyin.`,
  ],
  spikeReminders: (hours) =>
    `Harcama yüksek kaldıkça ${hours} saatte bir hatırlatılacak, ${SPIKE_CALM_HOURS} saat normale yakın kaldığında bir kez haber verilecek.`,
  failureProblem: (long, status) => (status === undefined ? long : `${long} (durum kodu ${status})`),
  failedChecks: (count, since) => (count === 1 ? `1 kez, ${since}` : `art arda ${count} kez, ilki ${since}`),
  unknownBalance: 'bilinmiyor',
  topUp: `Bakiyeyi ${PANEL_URL} adresinden yükleyin: bakiye sıfırlanınca SMS gönderimi durur.`,
  nothingToDo: 'Yapmanız gereken bir şey yok.',
  lowReminders: (level, hours) =>
    `Bakiye ${level} seviyesinde kaldıkça ${hours} saatte bir hatırlatılacak, yeniden yükseldiğinde bir kez haber verilecek.`,
  failureReminders: (hours) =>
    `Kontrol başarısız olmaya devam ettikçe ${hours} saatte bir hatırlatılacak, yeniden çalıştığında bir kez haber verilecek.`,
  timesIn: (timeZone) => `Saatler ${timeZone} saat dilimine göredir.`,
};

function trLastsShort(s: FormattedSpend | undefined): string {
  return s?.daysLeft === undefined ? '' : `, ${trDurationShort(s.daysLeft)} biter`;
}

/** "~3 günde", for the subject. */
function trRunsOutBriefly(f: Facts): string {
  return f.forecast ? trDurationShort(f.forecast.daysToEmpty) : `${f.forecastDays} gün içinde`;
}

function trRunsOutAround(f: Facts): string {
  return f.forecast
    ? `${trDuration(f.forecast.daysToEmpty)}, ${f.forecast.day} civarında`
    : `${f.forecastDays} gün içinde`;
}

export const TEST: TestWording = {
  subject: '[TEST] iletiMerkezi bakiye izleyicisi: deneme bildirimi',
  headline: (at) =>
    `TEST: iletiMerkezi bakiye izleyicisinin istek üzerine ${at} tarihinde gönderdiği deneme bildirimi.`,
  body: 'Bakiye kontrol edilmedi, yapmanız gereken bir şey yok: bu kanalın izleyicinin bildirimlerini aldığını gösterir.',
  sms: (at) => `TEST: iletiMerkezi bakiye izleyicisi deneme bildirimi, ${at}. Yapilacak bir sey yok.`,
};

export const DIGEST: DigestWording = {
  intl: 'tr-TR',
  subject: (accounts, spent) => `iletiMerkezi haftalık özet: ${accounts} hesap, ${spent} harcandı`,
  headline: (until, t, fmt) =>
    `iletiMerkezi bakiyeleri, ${until} tarihine kadarki 7 gün: ${fmt.money(t.spent)} (~${fmt.count(t.spentSms)} SMS) harcandı, ` +
    `${fmt.count(t.topUps)} yükleme (+${fmt.money(t.toppedUp)}), ${fmt.count(t.notices)} bildirim gönderildi.`,
  line: (f, fmt) =>
    f.current === null
      ? `${f.account}: bu hafta okuma yok`
      : [
          `${f.account}: şimdi ${fmt.money(f.current)}`,
          f.daysToEmpty === null ? undefined : `${approxDays(f.daysToEmpty, 'gün', 'gün')} içinde biter`,
          `harcanan ${fmt.money(f.spent ?? 0)} (~${fmt.count(f.spentSms ?? 0)} SMS)`,
          f.topUps ? `${fmt.count(f.topUps)} yükleme (+${fmt.money(f.toppedUp ?? 0)})` : undefined,
          `en düşük ${fmt.money(f.lowest ?? f.current)}`,
          `${fmt.count(f.notices ?? 0)} bildirim`,
          f.silenced ? 'SUSTURULDU' : undefined,
        ]
          .filter((part) => part !== undefined)
          .join(', '),
  more: (count) => `... ve ${count} hesap daha, aşağıdaki toplamlarda.`,
  totals: (t, fmt) =>
    `Tüm ${t.accounts} hesap: toplam ${fmt.money(t.current)} kaldı` +
    (t.silenced > 0 ? `, ${t.silenced} susturuldu.` : '.'),
  sms: (accounts, spent) =>
    `iletiMerkezi haftalik ozet: ${accounts} hesap, ${spent} harcandi. E-postaya bakin.`,
  noSteps: 'Yapmanız gereken bir şey yok: bu haftalık özettir.',
  timesIn: (zone) => `Saatler ${zone} saat dilimine göredir. Bitmeye en yakın hesaplar önce.`,
};

export const ALARM: AlarmWording = {
  subjectAlarm: 'ALARM: ',
  subjectResolved: 'DÜZELDİ: ',
  isInAlarm: ' ALARM durumunda.',
  reason: 'Neden: ',
  since: 'Başlangıç: ',
  resolved: 'DÜZELDİ: ',
  okAgain: ' yeniden OK durumunda: ',
  smsAlarm: 'ALARM ',
  smsResolved: 'DÜZELDİ ',
  followDescription: 'Alarm açıklamasındaki adımları izleyin.',
  inConsole: 'CloudWatch konsolunda alarm: ',
  nothingToDo: 'Yapmanız gereken bir şey yok.',
};
