/** Reading Prometheus text expositions (what /metrics serves) in tests. */

/** Returns the values of every sample of `name` whose labels include `labels`, in order. */
export function samples (text: string, name: string, labels: Record<string, string> = {}): number[] {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const out: number[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== '{' && rest[0] !== ' ') continue
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : ''
    const have = labelText === '' ? [] : labelText.split(',')
    if (want.every((w) => have.includes(w))) out.push(Number(line.slice(line.lastIndexOf(' ') + 1)))
  }
  return out
}

/** Returns the value of the first such sample, undefined when there is none. */
export function sample (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text, name, labels)[0]
}

/** Returns the sum of every such sample (0 when there is none). */
export function sampleSum (text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text, name, labels).reduce((a, b) => a + b, 0)
}
