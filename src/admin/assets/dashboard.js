// The dashboard of the admin port (SPEC §11): reads /stats and /diagnoses every 2 s and draws
// them. Every value from the server is put in the page as text (textContent), never as HTML:
// paths, tags and request ids come from clients.
/* global document, window, fetch, uPlot */
'use strict'

const REFRESH_MS = 2000
const DECISIONS = ['forwarded', 'edge-412', 'edge-304', 'edge-428', 'origin-denied', 'client-gone', 'error']
const COLOURS = ['#2da44e', '#cf222e', '#0969da', '#bf8700', '#8250df', '#6e7781', '#1b1f24', '#e16f24', '#1f883d', '#a40e26', '#0550ae', '#953800', '#6639ba']

const $ = (id) => document.getElementById(id)
const charts = { decisions: undefined, causes: undefined }
const shown = { decisions: '', causes: '' }

function text (el, value) {
  el.textContent = value === undefined || value === null || value === '' ? '–' : String(value)
}

function duration (seconds) {
  const s = Math.floor(seconds)
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.floor(s / 60)} min`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** Returns a path as people read it (percent-escapes decoded), or as it is when it does not decode. */
function readable (path) {
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

function pairs (counts) {
  const entries = Object.entries(counts)
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ')
}

/** Returns uPlot's data: x in seconds, one row per name, per second rates; `stack` sums the rows upwards. */
function dataOf (series, field, names, bucketMs, stack) {
  const x = series.map((b) => b.start / 1000)
  const rows = names.map((n) => series.map((b) => (b[field][n] ?? 0) / (bucketMs / 1000)))
  if (stack) for (let i = 1; i < rows.length; i++) rows[i] = rows[i].map((v, j) => v + rows[i - 1][j])
  return { x, rows, raw: names.map((n) => series.map((b) => (b[field][n] ?? 0) / (bucketMs / 1000))) }
}

function draw (name, names, data, hints, stacked) {
  const el = $(name)
  const key = names.join(',')
  if (charts[name] !== undefined && shown[name] === key) {
    charts[name].setData([data.x, ...data.rows])
    return
  }
  if (charts[name] !== undefined) charts[name].destroy()
  el.textContent = ''
  shown[name] = key
  const series = [{}]
  names.forEach((n, i) => {
    const colour = COLOURS[i % COLOURS.length]
    series.push({
      label: n,
      stroke: colour,
      fill: stacked ? colour + '55' : undefined,
      width: 1.5,
      // The legend shows this series' own rate, not the stacked sum.
      value: (u, v, si, idx) => (idx === null || idx === undefined ? '–' : (data.raw[si - 1][idx] ?? 0).toFixed(2))
    })
  })
  const opts = {
    width: Math.max(320, el.clientWidth || 900),
    height: 220,
    series,
    axes: [{}, { label: 'per second' }],
    scales: { x: { time: true } },
    legend: { live: true }
  }
  charts[name] = new uPlot(opts, [data.x, ...data.rows], el)
  if (hints !== undefined) {
    const labels = el.querySelectorAll('.u-legend .u-series .u-label')
    // Legend row 0 is the x axis; the cause of row i is names[i - 1].
    labels.forEach((label, i) => {
      if (i > 0 && hints[names[i - 1]] !== undefined) label.title = hints[names[i - 1]]
    })
  }
}

function cell (row, cls, value) {
  const td = document.createElement('td')
  td.className = cls
  text(td, value)
  row.appendChild(td)
}

function table (id, rows, columns) {
  const body = $(id).querySelector('tbody')
  const fresh = document.createElement('tbody')
  for (const r of rows) {
    const tr = document.createElement('tr')
    for (const [cls, value] of columns(r)) cell(tr, cls, value)
    fresh.appendChild(tr)
  }
  body.replaceWith(fresh)
}

function render (stats, diagnoses) {
  text($('version'), stats.version)
  text($('uptime'), duration(stats.uptimeSeconds))
  text($('store'), stats.store.kind === 'memory' ? 'memory (this process)' : `${stats.store.kind} ${stats.store.up ? 'up' : 'DOWN'}${stats.workers > 1 ? `, ${stats.workers} workers` : ''}`)
  const seenDecisions = DECISIONS.filter((d) => stats.series.some((b) => (b.decisions[d] ?? 0) > 0))
  const decisions = seenDecisions.length > 0 ? seenDecisions : ['forwarded']
  draw('decisions', decisions, dataOf(stats.series, 'decisions', decisions, stats.bucketMs, false), undefined, false)
  const causes = Object.keys(stats.hints).filter((c) => stats.series.some((b) => (b.causes[c] ?? 0) > 0))
  draw('causes', causes.length > 0 ? causes : ['none'], dataOf(stats.series, 'causes', causes.length > 0 ? causes : ['none'], stats.bucketMs, true), stats.hints, true)
  table('top-paths', stats.topPaths, (p) => [['path', readable(p.path)], ['count', p.count], ['cause', p.cause]])
  table('diagnoses', diagnoses, (d) => [['time', d.time], ['method', d.method], ['path', readable(d.url)], ['cause', d.cause], ['sent', d.sent], ['current', d.currentEtag], ['intermediary', d.intermediary], ['request-id', d.requestId]])
  const w = stats.lockWait
  text($('lock-wait'), w.count === 0 ? 'no writes in the window' : `p50 ≤ ${w.p50Ms} ms, p99 ≤ ${w.p99Ms} ms over ${w.count} writes`)
  text($('repairs'), pairs(stats.repairs))
  text($('observed'), pairs(stats.observed))
  text($('config'), stats.config.routes.map((r) => `${r.id} → ${r.origin} (${r.mode}, ${r.ownership}, etags ${r.etags})`).join('; '))
  text($('refreshed'), `refreshed ${new Date(stats.now).toLocaleTimeString()}`)
}

async function refresh () {
  try {
    const [stats, diagnoses] = await Promise.all([
      fetch('/stats', { credentials: 'same-origin' }).then((r) => r.json()),
      fetch('/diagnoses?limit=50', { credentials: 'same-origin' }).then((r) => r.json())
    ])
    render(stats, diagnoses.diagnoses)
    document.body.dataset.ready = 'true'
  } catch (err) {
    text($('refreshed'), `refresh failed: ${err.message}`)
  } finally {
    window.setTimeout(refresh, REFRESH_MS)
  }
}

refresh()
