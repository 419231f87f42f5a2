// RFC 9110 §5.6.7: HTTP-date = IMF-fixdate / obs-date; obs-date = rfc850-date / asctime-date.
// A recipient MUST accept all three formats; the format is case-sensitive and always GMT.
// Calendar arithmetic is integer-only (proleptic Gregorian); Date.parse is never used because it
// accepts ISO-8601, numeric timestamps and other forms that are not HTTP-dates.

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const DAY_NAMES_L = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const
const SECONDS_PER_DAY = 86400
const IMF_LENGTH = 29 // `Sun, 06 Nov 1994 08:49:37 GMT`
const ASCTIME_LENGTH = 24 // `Sun Nov  6 08:49:37 1994`

/** Returns the number of days from 1970-01-01 to the given civil date (H. Hinnant's days_from_civil). */
function daysFromCivil (year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** Returns the civil date of a day count from 1970-01-01 (H. Hinnant's civil_from_days). */
function civilFromDays (days: number): { year: number; month: number; day: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

function daysInMonth (year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Returns the value of `n` ASCII digits at `i`, or -1 when any of them is not a DIGIT. */
function digits (s: string, i: number, n: number): number {
  let v = 0
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 0x30
    if (!(c >= 0 && c <= 9)) return -1
    v = v * 10 + c
  }
  return v
}

/** Returns the month number (1–12) of the three-letter name at `i`, or -1. */
function monthAt (s: string, i: number): number {
  const name = s.slice(i, i + 3)
  for (let m = 0; m < 12; m++) if (MONTHS[m] === name) return m + 1
  return -1
}

/** Returns epoch seconds for validated fields, or undefined when the date, time or weekday is impossible. */
function toSeconds (weekday: number, year: number, month: number, day: number, timeAt: number, s: string): number | undefined {
  // RFC 9110 §5.6.7: time-of-day = hour ":" minute ":" second
  if (s.charCodeAt(timeAt + 2) !== 0x3a || s.charCodeAt(timeAt + 5) !== 0x3a) return undefined
  const hour = digits(s, timeAt, 2)
  const minute = digits(s, timeAt + 3, 2)
  let second = digits(s, timeAt + 6, 2)
  // RFC 9110 §5.6.7: hour 00-23, minute 00-59, second 00-60 (leap second)
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined
  if (second === 60) {
    // A leap second is inserted only as 23:59:60 UTC; epoch seconds do not count it, so it reads as 23:59:59
    if (hour !== 23 || minute !== 59) return undefined
    second = 59
  }
  if (month < 1 || day < 1 || day > daysInMonth(year, month)) return undefined
  const days = daysFromCivil(year, month, day)
  // RFC 9110 §5.6.7: the day-name must be the one of that date (1970-01-01 was a Thursday)
  if (((days % 7) + 11) % 7 !== weekday) return undefined
  return days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
}

function parseImfFixdate (s: string): number | undefined {
  // IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT; date1 = day SP month SP year
  if (s.length !== IMF_LENGTH) return undefined
  const weekday = DAY_NAMES.indexOf(s.slice(0, 3) as typeof DAY_NAMES[number])
  if (weekday < 0 || s.slice(3, 5) !== ', ' || s.charCodeAt(7) !== 0x20 || s.charCodeAt(11) !== 0x20 ||
    s.charCodeAt(16) !== 0x20 || s.slice(25) !== ' GMT') return undefined
  const day = digits(s, 5, 2)
  const year = digits(s, 12, 4)
  if (day < 0 || year < 0) return undefined
  return toSeconds(weekday, year, monthAt(s, 8), day, 17, s)
}

function parseRfc850 (s: string, nowSeconds: number | undefined): number | undefined {
  // rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT; date2 = day "-" month "-" 2DIGIT
  const comma = s.indexOf(',')
  if (comma < 0) return undefined
  const weekday = DAY_NAMES_L.indexOf(s.slice(0, comma) as typeof DAY_NAMES_L[number])
  if (weekday < 0 || s.length !== comma + 24) return undefined
  const i = comma + 2
  if (s.charCodeAt(comma + 1) !== 0x20 || s.charCodeAt(i + 2) !== 0x2d || s.charCodeAt(i + 6) !== 0x2d ||
    s.charCodeAt(i + 9) !== 0x20 || s.slice(i + 18) !== ' GMT') return undefined
  const day = digits(s, i, 2)
  const yy = digits(s, i + 7, 2)
  if (day < 0 || yy < 0) return undefined
  return toSeconds(weekday, fullYear(yy, nowSeconds), monthAt(s, i + 3), day, i + 10, s)
}

/**
 * Returns the four-digit year of a two-digit rfc850 year. RFC 9110 §5.6.7: a recipient MUST interpret
 * a timestamp that appears to be more than 50 years in the future as the most recent past year with
 * the same last two digits. Without a reference time, 00–49 read as 20xx and 50–99 as 19xx.
 */
function fullYear (yy: number, nowSeconds: number | undefined): number {
  if (nowSeconds === undefined || !Number.isFinite(nowSeconds)) return yy < 50 ? 2000 + yy : 1900 + yy
  const nowYear = civilFromDays(Math.floor(nowSeconds / SECONDS_PER_DAY)).year
  let year = nowYear - (((nowYear % 100) + 100) % 100) + yy
  if (year > nowYear + 50) year -= 100
  else if (year <= nowYear - 50) year += 100
  return year
}

function parseAsctime (s: string): number | undefined {
  // asctime-date = day-name SP date3 SP time-of-day SP year; date3 = month SP ( 2DIGIT / ( SP DIGIT ) )
  if (s.length !== ASCTIME_LENGTH) return undefined
  const weekday = DAY_NAMES.indexOf(s.slice(0, 3) as typeof DAY_NAMES[number])
  if (weekday < 0 || s.charCodeAt(3) !== 0x20 || s.charCodeAt(7) !== 0x20 || s.charCodeAt(10) !== 0x20 ||
    s.charCodeAt(19) !== 0x20) return undefined
  const day = s.charCodeAt(8) === 0x20 ? digits(s, 9, 1) : digits(s, 8, 2)
  const year = digits(s, 20, 4)
  if (day < 0 || year < 0) return undefined
  return toSeconds(weekday, year, monthAt(s, 4), day, 11, s)
}

/**
 * Returns the epoch seconds of an HTTP-date in any of the three RFC 9110 §5.6.7 formats, or
 * undefined when `value` is not exactly one valid HTTP-date (outer OWS is ignored). `nowSeconds`
 * anchors two-digit rfc850 years. Never throws.
 */
export function parseHttpDate (value: string, nowSeconds?: number): number | undefined {
  let start = 0
  let end = value.length
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--
  const s = start === 0 && end === value.length ? value : value.slice(start, end)
  // The fourth character tells the formats apart: "," IMF-fixdate, SP asctime, a letter rfc850
  const c = s.charCodeAt(3)
  if (c === 0x2c) return parseImfFixdate(s)
  if (c === 0x20) return parseAsctime(s)
  return parseRfc850(s, nowSeconds)
}

function pad2 (n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/**
 * Returns the IMF-fixdate (RFC 9110 §5.6.7: senders MUST generate this format) of epoch seconds;
 * fractions are truncated. Throws RangeError when the value is not finite or the year is outside 0000–9999.
 */
export function formatHttpDate (epochSeconds: number): string {
  if (!Number.isFinite(epochSeconds)) throw new RangeError(`not a finite time: ${epochSeconds}`)
  const whole = Math.floor(epochSeconds)
  const days = Math.floor(whole / SECONDS_PER_DAY)
  const { year, month, day } = civilFromDays(days)
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} has no four-digit HTTP-date`)
  const secs = whole - days * SECONDS_PER_DAY
  const weekday = DAY_NAMES[((days % 7) + 11) % 7]
  const time = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`
  return `${weekday}, ${pad2(day)} ${MONTHS[month - 1]} ${String(year).padStart(4, '0')} ${time} GMT`
}
