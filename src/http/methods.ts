/**
 * Request methods as ifgate decides on them: which change nothing, and which one a request names
 * through a method-override field (SPEC §2 "No way around the lock"). Pure: no I/O.
 */
import { TOKEN } from './fields.ts'

/** Methods that change nothing (RFC 9110 §9.2.1, and WebDAV's read methods): no lock, no evaluation. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'REPORT', 'QUERY'])

/**
 * Fields by which frameworks let a request name another method than its own (Express
 * method-override, ASP.NET, OData, Google APIs): an origin that honours one acts as that method.
 */
export const METHOD_OVERRIDE_FIELDS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const

export type MethodOverride =
  /** No override field, or one naming a method that changes nothing here: the request's method stands. */
  | { readonly ok: true; readonly method: string }
  | { readonly ok: false; readonly reason: string }

/**
 * Returns the method a request is to be decided as. An override naming an unsafe method makes a
 * write of an unsafe request (the DELETE a POST tunnels is decided as a DELETE), and is refused on
 * a safe one: a GET that an origin would carry out as a DELETE must not pass without the lock.
 * Field lines that disagree, or a value that is not a method, are refused. `headers`: Node's
 * (a repeated field joined with `, `).
 */
export function methodToDecide (method: string, headers: Readonly<Record<string, string | string[] | undefined>>): MethodOverride {
  let named: string | undefined
  let field = ''
  for (const name of METHOD_OVERRIDE_FIELDS) {
    const value = headers[name]
    if (value === undefined) continue
    for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
      const m = part.trim()
      if (!TOKEN.test(m)) return { ok: false, reason: `${name}: ${JSON.stringify(m)} is not a method` }
      // Methods are case-sensitive (RFC 9110 §9.1), but frameworks upper-case what these fields name.
      const upper = m.toUpperCase()
      if (named !== undefined && upper !== named) return { ok: false, reason: `${field} and ${name} name different methods (${named}, ${upper})` }
      named = upper
      field = name
    }
  }
  if (named === undefined || named === method || SAFE_METHODS.has(named)) return { ok: true, method }
  if (SAFE_METHODS.has(method)) return { ok: false, reason: `${/^[AEIOU]/.test(method) ? 'an' : 'a'} ${method} cannot carry ${field}: ${named}; send the ${named} itself, so that it is checked as a write` }
  return { ok: true, method: named }
}
