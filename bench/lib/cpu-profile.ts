import { readFileSync } from 'node:fs'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: readonly number[]
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface Frame {
  readonly name: string
  /** Share of all samples spent in this frame itself, in percent. */
  readonly selfPercent: number
}

/** Returns where a frame lives, shortened: `src/…`, a package name, or `node:…`. */
function place (url: string): string {
  if (url === '') return ''
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url)
  if (pkg !== null) return `${pkg[1]}/${pkg[2]}`
  const own = /\/((?:src|bench)\/.*)$/.exec(url)
  if (own !== null) return own[1]
  return url.replace(/^file:\/\//, '')
}

/** The layer of a floor's own code (bench/peers/): what ifgate's src/ is to ifgate. */
export const OWN_FLOOR = 'the floor\'s own code (bench/peers/)'

/** The layer a place belongs to, for a summary an operator can read. */
function layer (group: string): string {
  if (group.startsWith('src/')) return 'ifgate (src/)'
  if (group.startsWith('bench/peers/')) return OWN_FLOOR
  if (group.startsWith('undici/') || group.startsWith('wasm')) return 'undici (origin client, llhttp in wasm)'
  if (group.startsWith('pino/') || group.startsWith('sonic-boom/')) return 'pino (access log)'
  if (group.startsWith('prom-client/')) return 'prom-client'
  if (group.startsWith('lru-cache/')) return 'lru-cache'
  if (/^node:_http|^node:net|^node:internal\/(streams|stream_base|http)/.test(group)) return 'node:http, net and streams'
  if (/^(writev|writeLatin1String|writeUtf8String|writeBuffer|writeString|read|utf8Slice|latin1Slice)$/.test(group)) return 'socket and file writes (bindings, syscalls)'
  if (group === '(garbage collector)') return 'garbage collector'
  if (group === '(program)') return 'V8 (program: compiler, stubs)'
  if (/^node:internal\/crypto|^hash$/.test(group)) return 'node:crypto (digests, request ids)'
  if (/^node:internal\/(modules|deps\/amaro)|^wrapSafe|^compileFunction/.test(group)) return 'module loading (start-up)'
  if (/^node:internal\/process|^runMicrotasks|^node:events|^node:internal\/timers/.test(group)) return 'event loop, promises, events'
  return 'other'
}

/**
 * Returns the frames of a V8 .cpuprofile by self time (share of busy time), most first, the same
 * summed by place (module), and by layer.
 */
export function topFrames (file: string, count = 25): { frames: Frame[]; byPlace: Frame[]; byLayer: Frame[]; busyMicros: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1)
  // Idle samples (the process waiting for I/O) are not work: shares are of the busy samples.
  const idleIds = new Set([...byId.values()].filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id))
  const idle = [...idleIds].reduce((sum, id) => sum + (self.get(id) ?? 0), 0)
  const total = profile.samples.length - idle
  // Busy time: the sampling intervals that ended in a busy sample.
  let busyMicros = 0
  for (let i = 0; i < profile.samples.length; i++) if (!idleIds.has(profile.samples[i])) busyMicros += profile.timeDeltas[i] ?? 0
  const frames = new Map<string, number>()
  const places = new Map<string, number>()
  for (const [id, n] of self) {
    const f = byId.get(id)?.callFrame
    if (f === undefined || f.functionName === '(idle)') continue
    const where = place(f.url)
    const name = `${f.functionName === '' ? '(anonymous)' : f.functionName}${where === '' ? '' : ` ${where}:${f.lineNumber + 1}`}`
    frames.set(name, (frames.get(name) ?? 0) + n)
    const group = where === '' ? f.functionName : where.replace(/:\d+$/, '')
    places.set(group, (places.get(group) ?? 0) + n)
  }
  const sorted = (m: Map<string, number>): Frame[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, n]) => ({ name, selfPercent: (n * 100) / total }))
  const layers = new Map<string, number>()
  for (const [group, n] of places) layers.set(layer(group), (layers.get(layer(group)) ?? 0) + n)
  return { frames: sorted(frames), byPlace: sorted(places), byLayer: sorted(layers), busyMicros }
}
