/**
 * The Prefer request field (RFC 7240 §2):
 *
 *   Prefer     = 1#preference
 *   preference = token [ BWS "=" BWS word ] *( OWS ";" [ OWS parameter ] )
 *   parameter  = token [ BWS "=" BWS word ]
 *
 * Pure: no I/O.
 */
import { TOKEN } from './fields.ts'

/** One preference: its value ('' when absent or empty, RFC 7240 §2) and its parameters by lower-cased name. */
export interface Preference {
  readonly value: string
  readonly params: ReadonlyMap<string, string>
}

/** Splits at `sep` outside quoted strings (a backslash escapes the next character inside one). */
function splitOutsideQuotes (text: string, sep: string): string[] {
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '\\') i++
      else if (ch === '"') quoted = false
    } else if (ch === '"') {
      quoted = true
    } else if (ch === sep) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** Returns the value of a quoted-string (escapes removed), or undefined when it is not one. */
function unquote (text: string): string | undefined {
  if (text.length < 2 || text[0] !== '"' || text[text.length - 1] !== '"') return undefined
  let out = ''
  for (let i = 1; i < text.length - 1; i++) {
    let ch = text[i]
    if (ch === '\\') {
      if (i + 1 >= text.length - 1) return undefined
      ch = text[++i]
    } else if (ch === '"') {
      return undefined
    }
    out += ch
  }
  return out
}

/** Returns `[name, value]` of `token [BWS "=" BWS word]`, the name lower-cased, or undefined when malformed. */
function pair (text: string): [string, string] | undefined {
  const eq = text.indexOf('=')
  const name = (eq === -1 ? text : text.slice(0, eq)).trim()
  if (!TOKEN.test(name)) return undefined
  if (eq === -1) return [name.toLowerCase(), '']
  const raw = text.slice(eq + 1).trim()
  const value = raw.startsWith('"') ? unquote(raw) : raw === '' || TOKEN.test(raw) ? raw : undefined
  return value === undefined ? undefined : [name.toLowerCase(), value]
}

/**
 * Returns the preferences of a Prefer field (its lines joined), by lower-cased name. The first
 * instance of a name wins (RFC 7240 §2); a malformed preference or parameter is skipped, never
 * the whole field.
 */
export function parsePrefer (field: string | readonly string[] | undefined): Map<string, Preference> {
  const out = new Map<string, Preference>()
  if (field === undefined) return out
  const text = typeof field === 'string' ? field : field.join(',')
  for (const element of splitOutsideQuotes(text, ',')) {
    if (element.trim() === '') continue
    const [head, ...rest] = splitOutsideQuotes(element, ';')
    const preference = pair(head)
    if (preference === undefined || out.has(preference[0])) continue
    const params = new Map<string, string>()
    for (const p of rest) {
      if (p.trim() === '') continue
      const param = pair(p)
      if (param !== undefined && !params.has(param[0])) params.set(param[0], param[1])
    }
    out.set(preference[0], { value: preference[1], params })
  }
  return out
}

/** Returns true when a Prefer field asks for `return=representation` (RFC 7240 §4.2; the value compared case-insensitively). */
export function wantsRepresentation (field: string | readonly string[] | undefined): boolean {
  if (field === undefined) return false
  return parsePrefer(field).get('return')?.value.toLowerCase() === 'representation'
}
