// Turns the results into the markdown the runner prints and bench/README.md shows, and checks
// the targets of issue 5 (concurrency 64, pinned).
'use strict'

const IMPLS = ['addon', 'undici', 'node-http', 'axios', 'fetch', 'ory-client-fetch']

const fmt = (x, digits) => (x === null || x === undefined ? '–' : Number(x).toFixed(digits))
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–')

function resultsTable(results, placements = ['pinned', 'unpinned'], concurrencies) {
  const rows = [
    '| placement | c | implementation | sign-ins/s | p50 ms | p99 ms | main thread ms/sign-in | CPU ms/sign-in | peak RSS MB |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const placement of placements) {
    const cs = concurrencies ?? [...new Set(results.records.map((r) => r.concurrency))].sort((a, b) => a - b)
    for (const c of cs) {
      const cell = results.records.filter((r) => r.placement === placement && r.concurrency === c)
      cell.sort((a, b) => IMPLS.indexOf(a.impl) - IMPLS.indexOf(b.impl))
      for (const r of cell) {
        const name = r.impl === 'addon' ? `**${r.label}**` : r.label
        rows.push(
          `| ${placement} | ${c} | ${name} | ${fmt(r.signInsPerSec, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ` +
            `${fmt(r.mainThreadMsPerSignIn, 3)} | ${fmt(r.cpuMsPerSignIn, 3)} | ${fmt(r.peakRssMb, 0)} |`,
        )
      }
      const ceil = results.ceiling?.find((x) => x.placement === placement && x.concurrency === c)
      if (ceil) {
        rows.push(`| ${placement} | ${c} | ceiling (native client) | ${fmt(ceil.signInsPerSec, 0)} | ${fmt(ceil.p50Ms, 2)} | ${fmt(ceil.p99Ms, 2)} | | | |`)
      }
    }
  }
  return rows.join('\n')
}

/** The targets of issue 5, measured at concurrency 64, pinned (or the given cell). */
function targets(results, { concurrency = 64, placement = 'pinned' } = {}) {
  const get = (impl) => results.records.find((r) => r.impl === impl && r.concurrency === concurrency && r.placement === placement)
  const addon = get('addon')
  const out = []
  const push = (target, measured, value, pass) => out.push({ target, measured, value, pass })
  if (addon) {
    for (const other of ['axios', 'fetch', 'ory-client-fetch']) {
      const o = get(other)
      if (!o) continue
      const x = addon.signInsPerSec / o.signInsPerSec
      push(`sign-ins/s ≥ 6× ${o.label}`, `${fmt(addon.signInsPerSec, 0)} vs ${fmt(o.signInsPerSec, 0)}`, ratio(x), x >= 6)
    }
    const js = ['undici', 'node-http'].map(get).filter(Boolean).sort((a, b) => b.signInsPerSec - a.signInsPerSec)[0]
    if (js) {
      const x = addon.signInsPerSec / js.signInsPerSec
      push(`sign-ins/s ≥ 1.5× the fastest plain JS (${js.label})`, `${fmt(addon.signInsPerSec, 0)} vs ${fmt(js.signInsPerSec, 0)}`, ratio(x), x >= 1.5)
    }
    const axios = get('axios')
    if (axios) {
      const m = axios.mainThreadMsPerSignIn / addon.mainThreadMsPerSignIn
      push('main-thread time ≤ 1/20 of axios', `${fmt(addon.mainThreadMsPerSignIn, 3)} vs ${fmt(axios.mainThreadMsPerSignIn, 3)} ms`, `1/${m.toFixed(1)}`, m >= 20)
      const p = axios.cpuMsPerSignIn / addon.cpuMsPerSignIn
      push('process CPU ≤ 1/5 of axios', `${fmt(addon.cpuMsPerSignIn, 3)} vs ${fmt(axios.cpuMsPerSignIn, 3)} ms`, `1/${p.toFixed(1)}`, p >= 5)
    }
    const ceil = results.ceiling?.find((x) => x.concurrency === concurrency && x.placement === placement)
    if (ceil) {
      const x = addon.signInsPerSec / ceil.signInsPerSec
      push('≥ 70% of the ceiling', `${fmt(addon.signInsPerSec, 0)} vs ${fmt(ceil.signInsPerSec, 0)}`, `${(100 * x).toFixed(0)}%`, x >= 0.7)
    }
  }
  const soak = results.soak
  if (soak?.rssEndMb !== undefined) {
    const growth = soak.rssEndMb - soak.rssAfterWarmupMb
    push(`RSS growth < 10 MB over ${soak.signIns} sign-ins`, `${fmt(soak.rssAfterWarmupMb, 1)} → ${fmt(soak.rssEndMb, 1)} MB`, `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB`, growth < 10)
  }
  if (results.requireMs) {
    push('require() < 5 ms', `median of ${results.requireMs.runs.length} fresh processes`, `${results.requireMs.median.toFixed(2)} ms`, results.requireMs.median < 5)
  }
  if (results.nodeFile) {
    const mib = results.nodeFile.bytes / 2 ** 20
    push('.node < 4 MiB', `${results.nodeFile.bytes} bytes`, `${mib.toFixed(2)} MiB`, mib < 4)
  }
  return out
}

function targetsTable(list) {
  const rows = ['| target (c=64, pinned) | measured | value | |', '|---|---|---:|---|']
  for (const t of list) rows.push(`| ${t.target} | ${t.measured} | ${t.value} | ${t.pass ? 'pass' : '**miss**'} |`)
  return rows.join('\n')
}

function machineLine(m) {
  return (
    `${m.cpuModel}, ${m.cpus} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}; ` +
    `load average ${m.loadStart.join(' / ')} at the start, ${m.loadEnd.join(' / ')} at the end (1/5/15 min)`
  )
}

function markdown(results) {
  const parts = [
    `Run ${results.generatedAt} (\`${results.command}\`, ${results.mode} mode, git ${results.git}), on ${machineLine(results.machine)}.`,
    `Emulator: \`${results.emulator}\`. Pinned: emulator on core 0, client on core 1 (taskset); unpinned: no taskset.`,
    '',
    resultsTable(results),
    '',
    targetsTable(targets(results)),
  ]
  if (results.soak) {
    parts.push('', `Soak: ${results.soak.signIns} sign-ins with the addon at c=${results.soak.concurrency} (${results.soak.placement}), ` +
      `${fmt(results.soak.signInsPerSec, 0)} sign-ins/s; RSS after gc() ${fmt(results.soak.rssAfterWarmupMb, 1)} MB after ` +
      `${results.soak.warmupSignIns} warm-up sign-ins, ${fmt(results.soak.rssEndMb, 1)} MB at the end.`)
  }
  return parts.join('\n')
}

/** The root README's excerpt: concurrency 64, both placements, the machine, the targets' verdicts. */
function summary(results) {
  const m = results.machine
  return [
    `Concurrency 64, from \`npm run bench\` on ${results.generatedAt.slice(0, 10)} (git ${results.git}): ${m.cpuModel}, ` +
      `${m.cpus} cores, Node ${m.node}, load average ${m.loadStart[0]} at the start. Pinned: emulator on core 0, ` +
      'client on core 1; unpinned: both free. All concurrencies, the targets and the method: [`bench/README.md`](bench/README.md).',
    '',
    resultsTable(results, ['pinned', 'unpinned'], [64]),
    '',
    targetsTable(targets(results)),
  ].join('\n')
}

/** The root README's line on the release build: the .node's size and require() time. */
function sizeLine(results) {
  const { bytes } = results.nodeFile
  return (
    `The release build (fat LTO, one codegen unit, stripped, \`opt-level = "s"\`; the embedded emulator at \`"z"\`) ` +
    `makes a \`.node\` of ${bytes} bytes (${(bytes / 2 ** 20).toFixed(2)} MiB), and \`require('ory-otc')\` takes ` +
    `${results.requireMs.median.toFixed(2)} ms in a fresh process (median of ${results.requireMs.runs.length}), ` +
    `measured by \`npm run bench\` on ${results.generatedAt.slice(0, 10)} (git ${results.git}).`
  )
}

module.exports = { resultsTable, targets, targetsTable, markdown, summary, sizeLine, IMPLS }
