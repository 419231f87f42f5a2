import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatHttpDate, parseHttpDate } from '../../src/http/http-date.ts'

const NOV_6_1994 = 784111777 // Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 §5.6.7 example

const validCases: { name: string; input: string; want: number }[] = [
  { name: 'IMF-fixdate', input: 'Sun, 06 Nov 1994 08:49:37 GMT', want: NOV_6_1994 },
  { name: 'rfc850-date', input: 'Sunday, 06-Nov-94 08:49:37 GMT', want: NOV_6_1994 },
  { name: 'asctime-date, single-digit day padded with SP', input: 'Sun Nov  6 08:49:37 1994', want: NOV_6_1994 },
  { name: 'asctime-date, two-digit day', input: 'Sun Nov 06 08:49:37 1994', want: NOV_6_1994 },
  { name: 'outer OWS trimmed', input: ' \tSun, 06 Nov 1994 08:49:37 GMT \t', want: NOV_6_1994 },
  { name: 'epoch', input: 'Thu, 01 Jan 1970 00:00:00 GMT', want: 0 },
  { name: 'before the epoch', input: 'Wed, 31 Dec 1969 23:59:59 GMT', want: -1 },
  { name: '29 Feb in a leap year', input: 'Thu, 29 Feb 2024 00:00:00 GMT', want: 1709164800 },
  { name: '29 Feb 2000 (divisible by 400)', input: 'Tue, 29 Feb 2000 12:00:00 GMT', want: 951825600 },
  { name: 'past 2^31 seconds', input: 'Tue, 19 Jan 2038 03:14:08 GMT', want: 2147483648 },
  { name: 'year 9999', input: 'Fri, 31 Dec 9999 23:59:59 GMT', want: 253402300799 },
  { name: 'leap second 23:59:60 reads as 23:59:59', input: 'Sat, 31 Dec 2016 23:59:60 GMT', want: 1483228799 },
  { name: 'rfc850 year 50 without a reference time is 1950', input: 'Sunday, 01-Jan-50 00:00:00 GMT', want: -631152000 },
  { name: 'rfc850 year 49 without a reference time is 2049', input: 'Friday, 01-Jan-49 00:00:00 GMT', want: 2493072000 },
  { name: 'rfc850 year 99 is 1999', input: 'Friday, 31-Dec-99 23:59:59 GMT', want: 946684799 }
]

for (const c of validCases) {
  test(`parseHttpDate valid: ${c.name}`, () => {
    assert.equal(parseHttpDate(c.input), c.want)
  })
}

const invalidCases: { name: string; input: string }[] = [
  { name: 'empty string', input: '' },
  { name: 'ISO-8601 is not an HTTP-date', input: '1994-11-06T08:49:37Z' },
  { name: 'numeric timestamp is not an HTTP-date', input: '784111777' },
  { name: 'UTC instead of GMT', input: 'Sun, 06 Nov 1994 08:49:37 UTC' },
  { name: 'numeric zone instead of GMT', input: 'Sun, 06 Nov 1994 08:49:37 +0000' },
  { name: 'wrong weekday for the date', input: 'Mon, 06 Nov 1994 08:49:37 GMT' },
  { name: 'wrong weekday in rfc850', input: 'Monday, 06-Nov-94 08:49:37 GMT' },
  { name: 'wrong weekday in asctime', input: 'Mon Nov  6 08:49:37 1994' },
  { name: 'day without leading zero in IMF-fixdate', input: 'Sun, 6 Nov 1994 08:49:37 GMT' },
  { name: 'asctime single-digit day without the padding SP', input: 'Sun Nov 6 08:49:37 1994' },
  { name: '29 Feb in a non-leap year', input: 'Wed, 29 Feb 2023 00:00:00 GMT' },
  { name: '29 Feb 2100 (divisible by 100, not 400)', input: 'Mon, 29 Feb 2100 00:00:00 GMT' },
  { name: '31 April', input: 'Thu, 31 Apr 2024 00:00:00 GMT' },
  { name: 'day 00', input: 'Sun, 00 Nov 1994 08:49:37 GMT' },
  { name: 'hour 24', input: 'Sun, 06 Nov 1994 24:00:00 GMT' },
  { name: 'minute 60', input: 'Sun, 06 Nov 1994 08:60:00 GMT' },
  { name: 'second 60 outside 23:59 (no leap second there)', input: 'Sun, 06 Nov 1994 08:49:60 GMT' },
  { name: 'second 61', input: 'Sat, 31 Dec 2016 23:59:61 GMT' },
  { name: 'lower-case day-name (the format is case-sensitive)', input: 'sun, 06 Nov 1994 08:49:37 GMT' },
  { name: 'upper-case month (the format is case-sensitive)', input: 'Sun, 06 NOV 1994 08:49:37 GMT' },
  { name: 'lower-case gmt', input: 'Sun, 06 Nov 1994 08:49:37 gmt' },
  { name: 'full day-name in IMF-fixdate', input: 'Sunday, 06 Nov 1994 08:49:37 GMT' },
  { name: 'short day-name in rfc850', input: 'Sun, 06-Nov-94 08:49:37 GMT' },
  { name: 'four-digit year in rfc850', input: 'Sunday, 06-Nov-1994 08:49:37 GMT' },
  { name: 'trailing garbage', input: 'Sun, 06 Nov 1994 08:49:37 GMTx' },
  { name: 'extra space inside', input: 'Sun,  06 Nov 1994 08:49:37 GMT' },
  { name: 'two dates joined by a comma (appears to be a list)', input: 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT' },
  { name: 'non-digit in the time', input: 'Sun, 06 Nov 1994 08:4x:37 GMT' },
  { name: 'dots instead of colons', input: 'Sun, 06 Nov 1994 08.49.37 GMT' },
  { name: 'asctime with a zone suffix', input: 'Sun Nov  6 08:49:37 1994 GMT' },
  { name: 'fractional seconds', input: 'Sun, 06 Nov 1994 08:49:37.5 GMT' },
  { name: 'a Date.toString() rendering', input: 'Sun Nov 06 1994 08:49:37 GMT+0000 (Coordinated Universal Time)' },
  { name: 'fullwidth digits are not DIGIT', input: 'Sun, \uff10\uff16 Nov 1994 08:49:37 GMT' }
]

for (const c of invalidCases) {
  test(`parseHttpDate invalid: ${c.name}`, () => {
    assert.equal(parseHttpDate(c.input), undefined)
  })
}

const NOW_2026 = 1781481600 // Mon, 15 Jun 2026 00:00:00 GMT
const NOW_2126 = 4937155200 // Sat, 15 Jun 2126 00:00:00 GMT

// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most recent past year with those digits
const rfc850Cases: { name: string; input: { value: string; now: number }; want: number | undefined }[] = [
  { name: '77 in 2026 is 1977 (2077 is more than 50 years ahead)', input: { value: 'Saturday, 01-Jan-77 00:00:00 GMT', now: NOW_2026 }, want: 220924800 },
  { name: '50 in 2026 is 2050 (only 24 years ahead)', input: { value: 'Saturday, 01-Jan-50 00:00:00 GMT', now: NOW_2026 }, want: 2524608000 },
  { name: '50 in 2026 is not 1950 (weekday of 1950 rejected)', input: { value: 'Sunday, 01-Jan-50 00:00:00 GMT', now: NOW_2026 }, want: undefined },
  { name: '01 in 2126 is 2101', input: { value: 'Wednesday, 15-Jun-01 00:00:00 GMT', now: NOW_2126 }, want: 4148236800 },
  { name: '77 in 2126 is 2077', input: { value: 'Friday, 01-Jan-77 00:00:00 GMT', now: NOW_2126 }, want: 3376684800 },
  { name: '94 in 2026 is 1994', input: { value: 'Sunday, 06-Nov-94 08:49:37 GMT', now: NOW_2026 }, want: NOV_6_1994 },
  { name: 'the reference time does not change IMF-fixdate', input: { value: 'Sun, 06 Nov 1994 08:49:37 GMT', now: NOW_2126 }, want: NOV_6_1994 }
]

for (const c of rfc850Cases) {
  test(`parseHttpDate rfc850 year: ${c.name}`, () => {
    assert.equal(parseHttpDate(c.input.value, c.input.now), c.want)
  })
}

const formatCases: { name: string; input: number; want: string }[] = [
  { name: 'RFC example', input: NOV_6_1994, want: 'Sun, 06 Nov 1994 08:49:37 GMT' },
  { name: 'fraction truncated', input: NOV_6_1994 + 0.999, want: 'Sun, 06 Nov 1994 08:49:37 GMT' },
  { name: 'epoch', input: 0, want: 'Thu, 01 Jan 1970 00:00:00 GMT' },
  { name: 'before the epoch', input: -1, want: 'Wed, 31 Dec 1969 23:59:59 GMT' },
  { name: 'leap day', input: 1709164800, want: 'Thu, 29 Feb 2024 00:00:00 GMT' },
  { name: 'year 1 is zero-padded', input: -62135596800, want: 'Mon, 01 Jan 0001 00:00:00 GMT' },
  { name: 'year 9999', input: 253402300799, want: 'Fri, 31 Dec 9999 23:59:59 GMT' }
]

for (const c of formatCases) {
  test(`formatHttpDate: ${c.name}`, () => {
    assert.equal(formatHttpDate(c.input), c.want)
  })
}

const formatErrorCases: { name: string; input: number }[] = [
  { name: 'NaN', input: Number.NaN },
  { name: 'Infinity', input: Number.POSITIVE_INFINITY },
  { name: 'year 10000', input: 253402300800 }
]

for (const c of formatErrorCases) {
  test(`formatHttpDate throws RangeError: ${c.name}`, () => {
    assert.throws(() => formatHttpDate(c.input), RangeError)
  })
}
