#!/usr/bin/env node
// The ifgate executable. Plain JavaScript that parses on any Node.js (even 12, where this file may
// be read as CommonJS): no import/export statements, no import.meta, no syntax newer than ES2015,
// so an old Node reaches the version check and exits 1 with one line, never a stack trace.
'use strict'

var REQUIRED = [22, 12, 0]
var REQUIRED_TEXT = '22.12'
var version = process.versions.node
var parts = version.split('.').map(Number)

function older (have, want) {
  for (var i = 0; i < want.length; i++) {
    if (have[i] !== want[i]) return have[i] < want[i]
  }
  return false
}

function reexec () {
  // Node 22.12-22.17 run TypeScript only with --experimental-strip-types: run src/cli.ts in a
  // child with it, pass signals on, and exit as the child does.
  Promise.all([import('node:child_process'), import('node:fs'), import('node:path')]).then(function (mods) {
    var spawn = mods[0].spawn
    var path = mods[2]
    var cli = path.join(path.dirname(mods[1].realpathSync(process.argv[1])), '..', 'src', 'cli.ts')
    var args = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', cli].concat(process.argv.slice(2))
    var child = spawn(process.execPath, args, { stdio: 'inherit' })
    var forward = function (signal) {
      // Ctrl-C in a terminal already reached the child (same foreground process group): a second
      // SIGINT would cut its graceful shutdown short.
      if (signal === 'SIGINT' && process.stdin.isTTY) return
      child.kill(signal)
    }
    process.on('SIGTERM', forward)
    process.on('SIGINT', forward)
    child.on('error', function (err) {
      process.stderr.write('ifgate: cannot start ' + process.execPath + ': ' + err.message + '\n')
      process.exit(1)
    })
    child.on('exit', function (code, signal) {
      process.removeListener('SIGTERM', forward)
      process.removeListener('SIGINT', forward)
      if (signal) process.kill(process.pid, signal)
      else process.exit(code)
    })
  })
}

if (older(parts, REQUIRED)) {
  process.stderr.write('ifgate: Node.js >= ' + REQUIRED_TEXT + ' is required (this is v' + version + ')\n')
  process.exit(1)
} else if (!process.features.typescript) {
  reexec()
} else {
  import('../src/cli.ts').catch(function (err) {
    process.stderr.write('ifgate: ' + (err && err.message ? err.message.split('\n')[0] : String(err)) + '\n')
    process.exit(1)
  })
}
