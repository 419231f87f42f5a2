import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { freePort } from '../helpers/http.ts'
import { pidAlive } from '../helpers/lifecycle.ts'
import { RespError, encodeCommand, parseReply, startRedis, sumCommandCalls, type RedisServer } from '../helpers/redis.ts'


describe('redis helper: RESP encoding and parsing', () => {
  const replies: Array<{ name: string, input: string, want: unknown }> = [
    { name: 'simple string', input: '+PONG\r\n', want: 'PONG' },
    { name: 'integer', input: ':42\r\n', want: 42 },
    { name: 'bulk string', input: '$5\r\nhello\r\n', want: 'hello' },
    { name: 'bulk string with CRLF inside', input: '$4\r\na\r\nb\r\n', want: 'a\r\nb' },
    { name: 'bulk string, multi-byte UTF-8 (length in bytes)', input: '$2\r\né\r\n', want: 'é' },
    { name: 'null bulk string', input: '$-1\r\n', want: null },
    { name: 'array of bulk strings', input: '*2\r\n$1\r\na\r\n$1\r\nb\r\n', want: ['a', 'b'] },
    { name: 'empty array', input: '*0\r\n', want: [] },
    { name: 'nested array', input: '*2\r\n:1\r\n*1\r\n+x\r\n', want: [1, ['x']] }
  ]
  for (const c of replies) {
    test(`parseReply: ${c.name}`, () => assert.deepEqual(parseReply(c.input), c.want))
  }
  test('parseReply: an error reply is a RespError', () => {
    const value = parseReply('-ERR unknown command\r\n')
    assert.ok(value instanceof RespError)
    assert.equal(value.message, 'ERR unknown command')
  })
  test('parseReply: an incomplete reply throws (the bulk string is one byte short)', () => {
    assert.throws(() => parseReply('$5\r\nhell\r\n'), /incomplete/)
  })
  test('encodeCommand: an array of bulk strings, lengths in bytes', () => {
    assert.equal(encodeCommand(['SET', 'k', 'é']), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n')
  })
  test('sumCommandCalls adds calls= of every cmdstat line', () => {
    const info = '# Commandstats\r\ncmdstat_get:calls=3,usec=1,usec_per_call=0.33\r\ncmdstat_set:calls=4,usec=2,usec_per_call=0.5\r\n'
    assert.equal(sumCommandCalls(info), 7)
  })
})

describe('redis helper: a real redis-server', () => {
  let redis: RedisServer | undefined
  after(async () => { await redis?.stop() })

  test('start, PING, SET/GET, commandCalls, kill, restart on the same port, stop', async () => {
    redis = await startRedis()
    const { port } = redis
    assert.equal(redis.url, `redis://127.0.0.1:${port}`)
    assert.ok(pidAlive(redis.pid))
    assert.equal(await redis.command('PING'), '+PONG\r\n')

    assert.equal(await redis.command('SET', 'greeting', 'hello world'), '+OK\r\n')
    assert.equal(await redis.command('GET', 'greeting'), '$11\r\nhello world\r\n')
    assert.equal(parseReply(await redis.command('DBSIZE')), 1)
    assert.deepEqual(parseReply(await redis.command('KEYS', '*')), ['greeting'])
    assert.ok(parseReply(await redis.command('NOSUCHCOMMAND')) instanceof RespError)

    const before = await redis.commandCalls()
    assert.equal(await redis.command('SET', 'n', '1'), '+OK\r\n')
    await redis.command('INCR', 'n')
    // The first INFO, SET and INCR: three commands since `before` was read.
    assert.equal(await redis.commandCalls() - before, 3)

    const killed = redis.pid
    await redis.kill()
    assert.equal(pidAlive(killed), false, 'kill() resolves once the process is gone')
    await assert.rejects(redis.command('PING'), /ECONNREFUSED/)

    await redis.restart()
    assert.notEqual(redis.pid, killed)
    assert.equal(redis.port, port)
    assert.equal(await redis.command('PING'), '+PONG\r\n')
    assert.equal(parseReply(await redis.command('DBSIZE')), 0, 'no persistence: a restarted server is empty')
    assert.equal(await redis.command('FLUSHALL'), '+OK\r\n')

    const last = redis.pid
    await redis.stop()
    assert.throws(() => process.kill(last, 0), { code: 'ESRCH' }, 'stop() leaves no process')
    await assert.rejects(redis.command('PING'), /ECONNREFUSED/)
  })

  test('restart() of a running server stops it first and keeps the port', async () => {
    const r = await startRedis()
    try {
      const first = r.pid
      await r.command('SET', 'k', 'v')
      await r.restart()
      assert.equal(pidAlive(first), false)
      assert.ok(pidAlive(r.pid))
      assert.equal(parseReply(await r.command('EXISTS', 'k')), 0)
    } finally {
      await r.stop()
    }
    assert.equal(pidAlive(r.pid), false)
  })

  test('startRedis on a given port listens there', async () => {
    const port = await freePort()
    const r = await startRedis({ port })
    try {
      assert.equal(r.port, port)
      assert.equal(r.url, `redis://127.0.0.1:${port}`)
      assert.equal(await r.command('PING'), '+PONG\r\n')
    } finally {
      await r.stop()
    }
  })

  test('startRedis on a port another redis-server holds rejects with the server\'s output, leaving nothing running', async () => {
    const holder = await startRedis()
    try {
      await assert.rejects(startRedis({ port: holder.port }), /exited|another redis-server/)
      assert.equal(await holder.command('PING'), '+PONG\r\n', 'the holder is untouched')
    } finally {
      await holder.stop()
    }
  })
})
