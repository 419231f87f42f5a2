import fc from 'fast-check'
import { formatHttpDate } from '../../src/http/http-date.ts'

/** One or two field lines of a value, or the field absent. */
export const lines = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T[] | undefined> => fc.option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined })

/** HTTP-dates around 784111777 (Sun, 06 Nov 1994 08:49:37 GMT), or arbitrary text. */
export const dateValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 784111770, max: 784111785 }).map(formatHttpDate))

/** The five conditional request fields (RFC 9110 §13.1), each absent or one or two lines of `field` / `date` values. */
export function conditionalHeaders (field: fc.Arbitrary<string>, date: fc.Arbitrary<string> = dateValue): fc.Arbitrary<{ [name: string]: string[] | undefined }> {
  return fc.record({
    'if-match': lines(field),
    'if-none-match': lines(field),
    'if-modified-since': lines(date),
    'if-unmodified-since': lines(date),
    'if-range': lines(field)
  })
}
