// Microbenchmark of the bandit hot calls (not a test): µs per call on one thread.
//   node bench/bandit.mjs [iterations]
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const ki3 = require('..')

const N = Number(process.argv[2] ?? 200_000)
const ARMS = Array.from({ length: 10 }, (_, i) => `arm${i}`)

/** Runs `fn(i)` N times after a warm-up; returns µs per call (best of 3 runs). */
function time(fn) {
  for (let i = 0; i < Math.min(N, 20_000); i++) fn(i)
  let best = Infinity
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) fn(i)
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / N
    best = Math.min(best, us)
  }
  return best
}

function report(label, us) {
  console.log(`${label.padEnd(52)} ${us.toFixed(3).padStart(8)} µs/call  (${(1 / us).toFixed(2)} M calls/s)`)
}

const ts = new ki3.BernoulliTS({ arms: ARMS, seed: 1 })
for (let i = 0; i < 1000; i++) ts.update(ARMS[i % 10], (i % 7) / 7)
let sink = 0
report('BernoulliTS(10 arms).choose()', time(() => { sink += ts.choose().length }))
const eligible = ARMS.slice(0, 5)
report('BernoulliTS(10 arms).choose({ eligible: 5 names })', time(() => { sink += ts.choose({ eligible }).length }))
report('BernoulliTS(10 arms).choose({ n: 3 })', time(() => { sink += ts.choose({ n: 3 }).length }))
report('BernoulliTS(10 arms).update(name, reward)', time((i) => ts.update(ARMS[i % 10], i & 1)))
report('BernoulliTS(10 arms).update(index, reward)', time((i) => ts.update(i % 10, i & 1)))
report('BernoulliTS(10 arms).decide() + reward(id, r)', time((i) => { const d = ts.decide(); ts.reward(d.id, i & 1) }))

const gts = new ki3.GaussianTS({ arms: ARMS, seed: 1 })
for (let i = 0; i < 1000; i++) gts.update(ARMS[i % 10], Math.sin(i))
report('GaussianTS(10 arms).choose()', time(() => { sink += gts.choose().length }))

const D = 8
const lin = new ki3.LinearTS({ arms: ARMS, nFeatures: D, seed: 1 })
const x = new Float64Array(D).fill(0.3)
for (let i = 0; i < 1000; i++) lin.update(ARMS[i % 10], Math.sin(i), x)
report(`LinearTS(10 arms, ${D} features).choose({ context })`, time(() => { sink += lin.choose({ context: x }).length }))
report(`LinearTS(10 arms, ${D} features).update(name, r, context)`, time((i) => lin.update(ARMS[i % 10], i & 1, x)))

// A floor: the cheapest napi method call on a class instance.
report('floor: a getter (ts.nUpdates)', time(() => { sink += ts.nUpdates }))
if (sink === 42) console.log(sink)
