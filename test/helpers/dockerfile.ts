import { readFileSync } from 'node:fs'

/** One instruction of a Dockerfile: its keyword, arguments (continuations joined) and build stage. */
export interface Instruction {
  readonly keyword: string
  readonly args: string
  /** 0 for the first FROM's stage, 1 for the second, … */
  readonly stage: number
}

/** Returns the instructions of a Dockerfile, comments dropped and `\`-continued lines joined. */
export function readDockerfile (path: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  let pending = ''
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' '
      continue
    }
    const text = pending + line
    pending = ''
    const space = text.indexOf(' ')
    const keyword = text.slice(0, space).toUpperCase()
    if (keyword === 'FROM') stage++
    out.push({ keyword, args: text.slice(space + 1).trim(), stage })
  }
  return out
}

/** Returns the exec-form array of an instruction such as CMD ["a", "b"]. */
export function execForm (args: string): string[] {
  const parsed: unknown = JSON.parse(args)
  if (!Array.isArray(parsed)) throw new Error(`not an exec form: ${args}`)
  return parsed.map(String)
}
