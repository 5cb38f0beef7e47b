// Thompson-sampling bandits: API, determinism, saved state (here and from Python), delayed
// feedback, slates, eligible sets, garbage input (never a crash, never a changed state),
// contextual learning, async twins, evaluators and replica merge.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { assertRejectsNaming, assertSameValues, assertThrowsNaming, corruptStates, ki3 } from './_helpers.mjs'

const ABCD = ['a', 'b', 'c', 'd']
const f64 = (...v) => new Float64Array(v)

/** A tiny seeded generator for the tests' own randomness (mulberry32). */
function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The state the cross-language test uses: arms a-d, seed 11, 500 Bernoulli updates. */
function trainedBernoulli(seed = 11, updates = 500) {
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed })
  const rates = { a: 0.1, b: 0.3, c: 0.5, d: 0.35 }
  const u = rng(3)
  for (let i = 0; i < updates; i++) {
    const arm = ts.choose()
    ts.update(arm, u() < rates[arm] ? 1 : 0)
  }
  return ts
}

/** Asserts that `fn` throws an Error naming every part and leaves the state unchanged. */
function assertRejectedUnchanged(policy, fn, ...parts) {
  const before = policy.toJson()
  assertThrowsNaming(fn, ...parts)
  assert.equal(policy.toJson(), before, `state changed by a rejected call (${parts.join(', ')})`)
}

// --- API ----------------------------------------------------------------------------------------

test('BernoulliTS: choose, decide/reward, update, updateBatch, getters', () => {
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 1 })
  assert.deepEqual(ts.arms, ABCD)
  assert.deepEqual(ts.activeArms, ABCD)
  assert.equal(ts.nUpdates, 0)
  assert.equal(ts.pendingDecisions, 0)
  assert.equal(ts.nextDecisionId, 0)

  const arm = ts.choose()
  assert.equal(typeof arm, 'string')
  assert.ok(ABCD.includes(arm))
  assert.equal(typeof ts.choose({}), 'string')
  assert.equal(typeof ts.choose(null), 'string')
  assert.equal(typeof ts.choose({ n: 1 }), 'string')

  const d = ts.decide()
  assert.deepEqual(Object.keys(d).sort(), ['arm', 'id'])
  assert.equal(d.id, 0)
  assert.ok(ABCD.includes(d.arm))
  assert.equal(ts.pendingDecisions, 1)
  assert.equal(ts.nextDecisionId, 1)
  ts.reward(d.id, 1)
  assert.equal(ts.pendingDecisions, 0)
  assert.equal(ts.nUpdates, 1)

  ts.update('b', 0.25) // fractional rewards in [0, 1] are allowed
  ts.update(2, 1) // an index into `arms`
  ts.updateBatch(['a', 'd', 'd'], f64(0, 1, 1))
  ts.updateBatch(new Uint32Array([0, 1]), f64(1, 0))
  assert.equal(ts.nUpdates, 8)

  const s = ts.summary()
  assert.deepEqual(Object.keys(s), ['arm', 'active', 'n', 'mean', 'lower', 'upper'])
  assert.deepEqual(s.arm, ABCD)
  assert.deepEqual(s.active, [true, true, true, true])
  assert.ok(s.n instanceof Float64Array)
  // Beta(1, 1) prior: arm d saw two successes -> Beta(3, 1), mean 3/4.
  assert.equal(s.n[3], 2)
  assert.equal(s.mean[3], 0.75)
  for (let i = 0; i < 4; i++) assert.ok(s.lower[i] < s.mean[i] && s.mean[i] < s.upper[i])
  const narrow = ts.summary({ level: 0.5 })
  assert.ok(narrow.upper[3] - narrow.lower[3] < s.upper[3] - s.lower[3])

  const pb = ts.probBest({ draws: 20000, seed: 3 })
  assert.deepEqual(pb.arms, ABCD)
  assert.equal(pb.draws, 20000)
  assert.ok(pb.probBest instanceof Float64Array && pb.expectedLoss instanceof Float64Array)
  assert.ok(Math.abs(pb.probBest.reduce((a, b) => a + b) - 1) < 1e-12)
  for (const l of pb.expectedLoss) assert.ok(l >= 0)
  // Its own seed: same seed, same answer; the policy's stream is untouched.
  const json = ts.toJson()
  assert.deepEqual(ts.probBest({ draws: 20000, seed: 3 }), pb)
  assert.equal(ts.toJson(), json)
  const sub = ts.probBest({ eligible: ['b', 'd'], draws: 1000 })
  assert.deepEqual(sub.arms, ['b', 'd'])

  const stop = ts.shouldStop({ probBest: 0.99 })
  assert.deepEqual(Object.keys(stop).sort(), ['bestArm', 'expectedLoss', 'probBest', 'stop'])
  assert.equal(stop.stop, false)
  assert.equal(ts.shouldStop({ expectedLoss: 10 }).stop, true)
})

test('arms can be a count; addArm / retireArm', () => {
  const ts = new ki3.BernoulliTS({ arms: 3, seed: 2 })
  assert.deepEqual(ts.arms, ['0', '1', '2'])
  assert.equal(ts.addArm('new'), 3)
  assert.deepEqual(ts.arms, ['0', '1', '2', 'new'])
  const d = ts.decide({ eligible: ['1'] })
  assert.equal(d.arm, '1')
  ts.retireArm('1')
  ts.retireArm(0)
  assert.deepEqual(ts.arms, ['0', '1', '2', 'new'])
  assert.deepEqual(ts.activeArms, ['2', 'new'])
  for (let i = 0; i < 200; i++) assert.ok(['2', 'new'].includes(ts.choose()))
  ts.reward(d.id, 1) // a late reward of a retired arm still counts
  assert.equal(ts.summary().n[1], 1)
  assert.deepEqual(ts.summary().active, [false, false, true, true])
  assert.deepEqual(ts.probBest({ draws: 100 }).arms, ['2', 'new'])
  assertRejectedUnchanged(ts, () => ts.choose({ eligible: ['1'] }), 'eligible', 'retired')
  assertRejectedUnchanged(ts, () => ts.addArm('new'), 'already exists')
  assertRejectedUnchanged(ts, () => ts.addArm(''), 'empty')
  assertRejectedUnchanged(ts, () => ts.addArm(5), 'name', 'string')
  assertRejectedUnchanged(ts, () => ts.retireArm('nope'), 'arm', 'nope')
  ts.retireArm('2')
  ts.retireArm('new')
  assertRejectedUnchanged(ts, () => ts.choose(), 'every arm is retired')
})

test('GaussianTS learns the arm with the highest mean', () => {
  const ts = new ki3.GaussianTS({ arms: ['low', 'mid', 'high'], prior: [0, 0.01, 1, 1], seed: 5 })
  const means = { low: -1, mid: 0, high: 0.5 }
  const u = rng(9)
  const counts = { low: 0, mid: 0, high: 0 }
  for (let i = 0; i < 3000; i++) {
    const arm = ts.choose()
    if (i >= 2000) counts[arm]++
    const noise = Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u())
    ts.update(arm, means[arm] + noise)
  }
  assert.ok(counts.high > 900, `late choices ${JSON.stringify(counts)}`)
  const s = ts.summary()
  assert.ok(Math.abs(s.mean[2] - 0.5) < 0.15, `mean of high ${s.mean[2]}`)
  assert.equal(ts.probBest({ draws: 5000 }).probBest.indexOf(Math.max(...ts.probBest({ draws: 5000 }).probBest)), 2)
})

test('top-two, discount and pendingHorizon options are accepted and saved', () => {
  const ts = new ki3.BernoulliTS({ arms: ABCD, topTwo: true, discount: 0.99, pendingHorizon: 50, seed: 3n, prior: [2, 3] })
  const doc = JSON.parse(ts.toJson())
  assert.equal(doc.format, 'ki3')
  assert.equal(doc.kind, 'BernoulliTs')
  assert.equal(doc.version, 1)
  assert.equal(doc.state.params.options.top_two, 0.5)
  assert.equal(doc.state.params.options.discount, 0.99)
  assert.equal(doc.state.params.options.pending_horizon, 50)
  assert.equal(doc.state.params.options.seed, 3)
  assert.deepEqual(doc.state.params.prior, { alpha: 2, beta: 3 })
  const beta = JSON.parse(new ki3.BernoulliTS({ arms: 2, topTwo: 0.7 }).toJson())
  assert.equal(beta.state.params.options.top_two, 0.7)
  const off = JSON.parse(new ki3.BernoulliTS({ arms: 2, topTwo: false }).toJson())
  assert.equal(off.state.params.options.top_two, null)
  for (let i = 0; i < 100; i++) ts.update(ts.choose(), i % 3 === 0 ? 1 : 0)
})

// --- determinism and saved state ---------------------------------------------------------------

test('same seed, same decisions (number and bigint seeds agree); another seed differs', () => {
  const run = (seed) => {
    const ts = new ki3.BernoulliTS({ arms: ABCD, seed })
    const out = []
    for (let i = 0; i < 300; i++) {
      const arm = ts.choose()
      out.push(arm)
      ts.update(arm, i % 4 === 0 ? 1 : 0)
      if (i % 10 === 0) out.push(...ts.choose({ n: 2 }))
    }
    return out
  }
  assert.deepEqual(run(42), run(42))
  assert.deepEqual(run(42), run(42n))
  assert.notDeepEqual(run(42), run(43))
  const big = 2n ** 63n + 5n
  assert.deepEqual(run(big), run(big))
})

test('toJson / fromJson continues the same random stream (and the pending decisions)', () => {
  for (const make of [
    () => new ki3.BernoulliTS({ arms: ABCD, seed: 7, topTwo: true }),
    () => new ki3.GaussianTS({ arms: ABCD, seed: 7, discount: 0.95 }),
  ]) {
    const a = make()
    for (let i = 0; i < 100; i++) a.update(a.choose(), (i * 37 % 10) / 10)
    const open = a.decide()
    const json = a.toJson()
    const b = (a instanceof ki3.BernoulliTS ? ki3.BernoulliTS : ki3.GaussianTS).fromJson(json)
    assert.equal(b.toJson(), json)
    assert.equal(b.pendingDecisions, 1)
    b.reward(open.id, 0.5)
    a.reward(open.id, 0.5)
    for (let i = 0; i < 200; i++) {
      const x = a.choose()
      assert.equal(b.choose(), x)
      a.update(x, i % 2)
      b.update(x, i % 2)
      assert.deepEqual(b.decide({ n: 2 }), a.decide({ n: 2 }))
    }
    assert.equal(b.toJson(), a.toJson())
  }
})

// The mechanism of the cross-language test, proven inside Node: the same kind of state (arms
// a-d, seed 11, 500 updates) saved, reloaded, and compared over 100 decisions.
test('a saved BernoulliTS reloaded makes the same next 100 choices', () => {
  const ts = trainedBernoulli()
  assert.equal(ts.nUpdates, 500)
  const loaded = ki3.BernoulliTS.fromJson(ts.toJson())
  const expected = Array.from({ length: 100 }, () => ts.choose())
  const got = Array.from({ length: 100 }, () => loaded.choose())
  assert.deepEqual(got, expected)
  // Through a JSON text round trip as a fixture file would be (parse + stringify).
  const again = ki3.BernoulliTS.fromJson(JSON.stringify(JSON.parse(trainedBernoulli().toJson())))
  assert.deepEqual(Array.from({ length: 100 }, () => again.choose()), expected)
})

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const PY_STATE = `${FIXTURES}bandit_python.json`
const PY_DECISIONS = `${FIXTURES}bandit_python_decisions.json`

test('a BernoulliTS saved by Python makes the same next 100 choices in Node', (t) => {
  if (!existsSync(PY_STATE) || !existsSync(PY_DECISIONS)) {
    t.skip(`fixtures not found (${PY_STATE}, ${PY_DECISIONS}); the Python tests write them`)
    return
  }
  const ts = ki3.BernoulliTS.fromJson(readFileSync(PY_STATE, 'utf8'))
  assert.deepEqual(ts.arms, ABCD)
  assert.equal(ts.nUpdates, 500)
  const expected = JSON.parse(readFileSync(PY_DECISIONS, 'utf8')).next_choices
  assert.equal(expected.length, 100)
  const got = Array.from({ length: 100 }, () => ts.choose())
  assert.deepEqual(got, expected)
})

// --- delayed feedback, slates, eligible ---------------------------------------------------------

test('delayed feedback: out-of-order rewards; duplicate, unknown and expired ids throw', () => {
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 4, pendingHorizon: 5 })
  const ds = Array.from({ length: 4 }, () => ts.decide())
  assert.deepEqual(ds.map((d) => d.id), [0, 1, 2, 3])
  ts.reward(ds[2].id, 1)
  ts.reward(BigInt(ds[0].id), 0)
  assert.equal(ts.pendingDecisions, 2)
  assertRejectedUnchanged(ts, () => ts.reward(ds[2].id, 1), 'id', 'already rewarded')
  assertRejectedUnchanged(ts, () => ts.reward(ds[0].id, 1), 'id', 'already rewarded')
  assertRejectedUnchanged(ts, () => ts.reward(99, 1), 'id', 'never issued')
  assertRejectedUnchanged(ts, () => ts.reward(ds[1].id, 1.5), 'reward', 'row 0')
  assertRejectedUnchanged(ts, () => ts.reward(ds[1].id, Number.NaN), 'reward', 'non-finite')
  for (let i = 0; i < 5; i++) ts.decide()
  assertRejectedUnchanged(ts, () => ts.reward(ds[1].id, 1), 'id', 'expired')
  assertRejectedUnchanged(ts, () => ts.reward(-1, 1), 'id', 'non-negative integer')
  assertRejectedUnchanged(ts, () => ts.reward(1.5, 1), 'id')
  assertRejectedUnchanged(ts, () => ts.reward(-1n, 1), 'id', 'bigint')
  assertRejectedUnchanged(ts, () => ts.reward(2n ** 64n, 1), 'id', '64 bits')
  assertRejectedUnchanged(ts, () => ts.reward('3', 1), 'id', 'number or bigint')
  assertRejectedUnchanged(ts, () => ts.reward(8, '1'), 'value', 'number')
  assertRejectedUnchanged(ts, () => ts.reward(8), 'value')
  ts.reward(8, 1)
})

test('slates: n distinct arms, best first; rewarded with one value per arm', () => {
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 6 })
  for (let i = 0; i < 100; i++) {
    const slate = ts.choose({ n: 3 })
    assert.equal(slate.length, 3)
    assert.equal(new Set(slate).size, 3)
  }
  assert.equal(ts.choose({ n: 4 }).length, 4)
  const d = ts.decide({ n: 2 })
  assert.deepEqual(Object.keys(d).sort(), ['arms', 'id'])
  assert.equal(d.arms.length, 2)
  assertRejectedUnchanged(ts, () => ts.reward(d.id, 1), 'slate', 'Float64Array')
  assertRejectedUnchanged(ts, () => ts.reward(d.id, f64(1)), 'rewards', 'length 1')
  assertRejectedUnchanged(ts, () => ts.reward(d.id, f64(1, 2)), 'reward', 'row 1')
  assertRejectedUnchanged(ts, () => ts.reward(d.id, [1, 0]), 'value', 'Float64Array')
  const before = ts.summary()
  ts.reward(d.id, f64(1, 0))
  const after = ts.summary()
  const [first, second] = d.arms.map((a) => ABCD.indexOf(a))
  assert.equal(after.n[first] - before.n[first], 1)
  assert.equal(after.n[second] - before.n[second], 1)
  assertRejectedUnchanged(ts, () => ts.choose({ n: 5 }), 'n', 'must be in [1, 4]')
  assertRejectedUnchanged(ts, () => ts.choose({ n: 0 }), 'n')
  assertRejectedUnchanged(ts, () => ts.choose({ n: 2.5 }), 'n', 'integer')
  assertRejectedUnchanged(ts, () => ts.choose({ n: 3, eligible: ['a', 'b'] }), 'n', '[1, 2]')
  assert.deepEqual(ts.choose({ n: 2, eligible: ['c', 'a'] }).sort(), ['a', 'c'])
})

test('eligible: choices stay inside the set; bad sets throw and change nothing', () => {
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 8 })
  for (let i = 0; i < 50; i++) ts.update('d', 1) // d is clearly best...
  for (let i = 0; i < 300; i++) assert.ok(['a', 'b'].includes(ts.choose({ eligible: ['a', 'b'] })))
  assert.equal(ts.choose({ eligible: ['c'] }), 'c')
  assert.equal(ts.decide({ eligible: ['b'] }).arm, 'b')
  assertRejectedUnchanged(ts, () => ts.choose({ eligible: [] }), 'eligible', 'empty')
  assertRejectedUnchanged(ts, () => ts.choose({ eligible: ['a', 'zz'] }), 'eligible', 'row 1', 'zz')
  assertRejectedUnchanged(ts, () => ts.choose({ eligible: ['a', 'a'] }), 'eligible', 'twice')
  assertRejectedUnchanged(ts, () => ts.choose({ eligible: ['a', 3] }), 'eligible', 'row 1', 'number')
  assertRejectedUnchanged(ts, () => ts.choose({ eligible: 'a' }), 'options.eligible', 'string[]')
  assertRejectedUnchanged(ts, () => ts.decide({ eligible: [] }), 'eligible', 'empty')
  assertRejectedUnchanged(ts, () => ts.probBest({ eligible: ['x'] }), 'eligible', 'x')
})

// --- garbage in ---------------------------------------------------------------------------------

test('bad input throws an Error and leaves toJson() unchanged', () => {
  const ts = trainedBernoulli(11, 50)
  const cases = [
    [() => ts.update('a', 1.5), 'reward', 'must be in [0, 1]'],
    [() => ts.update('a', -0.1), 'reward', 'must be in [0, 1]'],
    [() => ts.update('a', Number.NaN), 'reward', 'non-finite'],
    [() => ts.update('a', Infinity), 'reward'],
    [() => ts.update('zz', 1), 'arm', 'zz'],
    [() => ts.update('', 1), 'arm'],
    [() => ts.update(4, 1), 'arm', 'unknown arm 4'],
    [() => ts.update(-1, 1), 'arm'],
    [() => ts.update(0.5, 1), 'arm'],
    [() => ts.update({}, 1), 'arm', 'object'],
    [() => ts.update(), 'arm'],
    [() => ts.update('a', '1'), 'reward', 'number'],
    [() => ts.update('a'), 'reward', 'number'],
    [() => ts.update('a', 1, f64(1, 2)), 'context', 'context-free'],
    [() => ts.update('a', 1, [1, 2]), 'context', 'Float64Array'],
    [() => ts.updateBatch(['a', 'b'], f64(1)), 'rewards', 'length 1'],
    [() => ts.updateBatch(['a', 'b', 'c'], f64(1, 0, 2)), 'reward', 'row 2'], // all or nothing
    [() => ts.updateBatch(['a', 'zz'], f64(1, 1)), 'arms', 'row 1', 'zz'],
    [() => ts.updateBatch(new Uint32Array([0, 9]), f64(1, 1)), 'arms', 'row 1', 'unknown arm 9'],
    [() => ts.updateBatch(new Int32Array([0, 1]), f64(1, 1)), 'arms', 'Int32Array'],
    [() => ts.updateBatch(['a'], [1]), 'rewards', 'Float64Array'],
    [() => ts.updateBatch(['a'], f64(1), f64(1, 2)), 'contexts', 'context-free'],
    [() => ts.updateBatch('a', f64(1)), 'arms'],
    // Arrays with absurd lengths (holes) are read element by element, never reserved up front.
    [() => ts.updateBatch(new Array(2 ** 32 - 1), f64(1)), 'arms', 'row 0', 'undefined'],
    [() => ts.choose({ eligible: new Array(2 ** 32 - 1) }), 'eligible', 'row 0'],
    [() => ts.choose({ context: f64(1) }), 'context', 'context-free'],
    [() => ts.choose('a'), 'options', 'object'],
    [() => ts.choose({ n: '2' }), 'options.n'],
    [() => ts.choose({ n: Number.NaN }), 'n'],
    [() => ts.choose({ eligible: [] }), 'eligible', 'empty'],
    [() => ts.decide(7), 'options', 'object'],
    [() => ts.summary({ level: 1 }), 'level'],
    [() => ts.summary({ level: 'x' }), 'options.level'],
    [() => ts.probBest({ draws: 0 }), 'draws'],
    [() => ts.probBest({ draws: -5 }), 'draws'],
    [() => ts.probBest({ draws: 1e9 }), 'draws'],
    [() => ts.probBest({ seed: -1 }), 'seed'],
    [() => ts.probBest({ seed: 'x' }), 'options.seed', 'number or bigint'],
    [() => ts.shouldStop({}), 'set probBest and/or expectedLoss'],
    [() => ts.shouldStop({ probBest: 1 }), 'probBest'],
    [() => ts.shouldStop({ expectedLoss: -1 }), 'expectedLoss'],
    [() => ts.shouldStop(), 'options', 'object'],
    [() => ts.merge(ts, ts), ''],
    [() => ts.merge({}, {}), ''],
  ]
  for (const [fn, ...parts] of cases) assertRejectedUnchanged(ts, fn, ...parts)
})

test('constructors reject bad options with Errors naming the option', () => {
  const cases = [
    [undefined, 'options', 'object'],
    [{}, 'options.arms', 'missing'],
    [{ arms: [] }, 'arms', 'empty'],
    [{ arms: 0 }, 'arms', 'empty'],
    [{ arms: -1 }, 'arms'],
    [{ arms: 2.5 }, 'arms'],
    [{ arms: 'abc' }, 'options.arms', 'string'],
    [{ arms: ['a', 'a'] }, 'arms', 'duplicate'],
    [{ arms: ['a', ''] }, 'arms', 'empty arm name'],
    [{ arms: ['a', 1] }, 'options.arms', 'element 1'],
    [{ arms: 2e6 }, 'arms', 'at most'],
    [{ arms: ABCD, prior: [1] }, 'prior', '2 numbers'],
    [{ arms: ABCD, prior: new Array(2 ** 32 - 1) }, 'options.prior', 'element 0'],
    [{ arms: new Array(2 ** 32 - 1) }, 'options.arms', 'element 0'],
    [{ arms: ABCD, prior: [0, 1] }, 'alpha'],
    [{ arms: ABCD, prior: [1, Number.NaN] }, 'beta'],
    [{ arms: ABCD, discount: 0 }, 'discount'],
    [{ arms: ABCD, discount: 1.5 }, 'discount'],
    [{ arms: ABCD, topTwo: 2 }, 'topTwo'],
    [{ arms: ABCD, topTwo: 'yes' }, 'options.topTwo', 'boolean or a number'],
    [{ arms: ABCD, topTwoMaxResamples: 0 }, 'topTwoMaxResamples'],
    [{ arms: ABCD, seed: -1 }, 'seed'],
    [{ arms: ABCD, seed: 1.5 }, 'seed'],
    [{ arms: ABCD, seed: -1n }, 'seed'],
    [{ arms: ABCD, seed: 2n ** 64n }, 'seed'],
    [{ arms: ABCD, pendingHorizon: 0 }, 'pendingHorizon'],
    [{ arms: ABCD, pendingHorizon: 2 ** 30 }, 'pendingHorizon'],
  ]
  for (const [options, ...parts] of cases) {
    assertThrowsNaming(() => new ki3.BernoulliTS(options), ...parts)
  }
  assertThrowsNaming(() => new ki3.GaussianTS({ arms: ABCD, prior: [0, 1, 1] }), 'prior', '4 numbers')
  assertThrowsNaming(() => new ki3.GaussianTS({ arms: ABCD, prior: [0, -1, 1, 1] }), 'kappa')
  assertThrowsNaming(() => new ki3.LinearTS({ arms: ABCD }), 'options.nFeatures', 'missing')
  assertThrowsNaming(() => new ki3.LinearTS({ arms: ABCD, nFeatures: 0 }), 'nFeatures')
  assertThrowsNaming(() => new ki3.LinearTS({ arms: ABCD, nFeatures: 5000 }), 'nFeatures')
  assertThrowsNaming(() => new ki3.LinearTS({ arms: ABCD, nFeatures: 2, ridge: 0 }), 'ridge')
  // Sizes whose matrices would not fit in memory throw instead of aborting the process.
  assertThrowsNaming(() => new ki3.LinearTS({ arms: 1000, nFeatures: 4096 }), 'nFeatures', '2^28')
  assertThrowsNaming(() => new ki3.LinearTS({ arms: 17, nFeatures: 4096 }), 'nFeatures', '2^28')
  assertThrowsNaming(() => new ki3.LinearTS({ arms: ABCD, nFeatures: 2, noise: -1 }), 'noise')
})

test('corrupt JSON and the wrong kind throw Errors', () => {
  const good = JSON.parse(trainedBernoulli(11, 20).toJson())
  const cases = corruptStates(JSON.stringify(good), {
    'wrong kind': (d) => { d.kind = 'LinearTs' },
    'feature state': new ki3.FeatureAggregator().toJson(),
    'future version': (d) => { d.version = 2 },
    'negative count': (d) => { d.state.arms[0].stats.n = -1 },
    'successes above n': (d) => { d.state.arms[0].stats.successes = [1e9, 0] },
    'bad rng': (d) => { d.state.rng = 'xyz' },
    'even rng': (d) => { d.state.rng = '0'.repeat(32) },
    'no arms': (d) => { d.state.arms = [] },
    'duplicate arm names': (d) => { d.state.arms[1].name = d.state.arms[0].name },
    'last after clock': (d) => { d.state.arms[0].last = d.state.clock + 1 },
    'bad discount': (d) => { d.state.params.options.discount = 2 },
    'unknown field': (d) => { d.state.extra = 1 },
    'truncated later': JSON.stringify(good).slice(0, 150),
  })
  for (const [label, text] of Object.entries(cases)) {
    assert.throws(() => ki3.BernoulliTS.fromJson(text), (err) => {
      assert.ok(err instanceof Error, label)
      assert.ok(err.message.includes('corrupt saved state'), `${label}: ${err.message}`)
      return true
    })
  }
  assertThrowsNaming(() => ki3.GaussianTS.fromJson(JSON.stringify(good)), 'corrupt saved state', 'kind')
  assertThrowsNaming(() => ki3.LinearTS.fromJson(JSON.stringify(good)), 'corrupt saved state', 'kind')
  assertThrowsNaming(() => ki3.BernoulliTS.fromJson(42), 'json', 'string')
  assertThrowsNaming(() => ki3.BernoulliTS.fromJson(), 'json')
})

// --- LinearTS -----------------------------------------------------------------------------------

test('LinearTS learns a small synthetic problem', () => {
  const d = 3
  const theta = { x: [1, 0, -1], y: [-0.5, 1, 0.5], z: [0, 0, 0.2] }
  const arms = Object.keys(theta)
  const lin = new ki3.LinearTS({ arms, nFeatures: d, noise: 0.3, seed: 12 })
  assert.equal(lin.nFeatures, 3)
  const u = rng(21)
  const dot = (w, x) => w.reduce((s, wi, i) => s + wi * x[i], 0)
  let optimal = 0
  const T = 2000
  for (let t = 0; t < T; t++) {
    const x = f64(u() * 2 - 1, u() * 2 - 1, 1)
    const dec = lin.decide({ context: x })
    const best = arms.reduce((a, b) => (dot(theta[a], x) >= dot(theta[b], x) ? a : b))
    if (t >= T - 500 && dec.arm === best) optimal++
    const noise = (u() - 0.5) * 0.4
    lin.reward(dec.id, dot(theta[dec.arm], x) + noise)
  }
  assert.ok(optimal > 450, `optimal in the last 500: ${optimal}`)
  // The posterior means of x'θ recover the truth at a test context.
  const x0 = f64(0.5, -0.5, 1)
  const s = lin.summary({ context: x0 })
  for (let i = 0; i < 3; i++) {
    const want = dot(theta[arms[i]], x0)
    assert.ok(Math.abs(s.mean[i] - want) < 0.15, `${arms[i]}: ${s.mean[i]} vs ${want}`)
  }
  const pb = lin.probBest({ context: x0, draws: 5000 })
  assert.equal(pb.arms[pb.probBest.indexOf(Math.max(...pb.probBest))], 'z') // z: 0.2, x: -0.5, y: -0.25

  // Batch updates are row-major contexts; a reloaded copy decides identically.
  lin.updateBatch(['x', 'y'], f64(0.1, 0.2), f64(1, 0, 1, 0, 1, 1))
  const copy = ki3.LinearTS.fromJson(lin.toJson())
  for (let i = 0; i < 50; i++) {
    const x = f64(u(), u(), 1)
    assert.deepEqual(copy.choose({ context: x, n: 2 }), lin.choose({ context: x, n: 2 }))
  }
})

test('LinearTS: the context is required and checked; rejected calls change nothing', () => {
  const lin = new ki3.LinearTS({ arms: ['p', 'q'], nFeatures: 2, seed: 1 })
  lin.update('p', 1, f64(1, 0))
  const slate = lin.decide({ context: f64(0, 1), n: 2 })
  const cases = [
    [() => lin.choose(), 'context', 'required', 'nFeatures = 2'],
    [() => lin.choose({}), 'context', 'required'],
    [() => lin.choose({ context: f64(1) }), 'context', 'length 1', 'nFeatures length 2'],
    [() => lin.choose({ context: f64(1, Number.NaN) }), 'context', 'non-finite'],
    [() => lin.choose({ context: [1, 2] }), 'options.context', 'Float64Array'],
    [() => lin.decide({ context: f64(1, 2, 3) }), 'context', 'length 3'],
    [() => lin.update('p', 1), 'context', 'required'],
    [() => lin.update('p', 1, f64(1, 2, 3)), 'context'],
    [() => lin.update('p', Number.NaN, f64(1, 2)), 'reward', 'non-finite'],
    [() => lin.update('p', 1e200, f64(1, 2)), 'reward', 'magnitude'],
    [() => lin.updateBatch(['p', 'q'], f64(1, 1)), 'contexts', 'required'],
    [() => lin.updateBatch(['p', 'q'], f64(1, 1), f64(1, 2, 3)), 'contexts', 'length 3'],
    [() => lin.updateBatch(['p', 'q'], f64(1, 1), f64(1, 2, 3, Infinity)), 'contexts', 'row 1'],
    [() => lin.reward(slate.id, f64(1)), 'rewards', 'length 1'],
    [() => lin.summary(), 'context', 'required'],
    [() => lin.probBest({ draws: 10 }), 'context', 'required'],
    [() => lin.shouldStop({ probBest: 0.9 }), 'context', 'required'],
  ]
  for (const [fn, ...parts] of cases) assertRejectedUnchanged(lin, fn, ...parts)
  lin.reward(slate.id, f64(1, 0))
  assert.equal(lin.nUpdates, 3)
})

// --- async twins ----------------------------------------------------------------------------------

test('async twins equal their sync versions; bad input rejects instead of throwing', async () => {
  const ts = trainedBernoulli(11, 200)
  const json = ts.toJson()
  assert.deepEqual(await ts.probBestAsync({ draws: 5000, seed: 9 }), ts.probBest({ draws: 5000, seed: 9 }))
  assert.deepEqual(await ts.probBestAsync(), ts.probBest())
  assert.deepEqual(await ts.summaryAsync({ level: 0.8 }), ts.summary({ level: 0.8 }))
  assert.deepEqual(await ts.shouldStopAsync({ probBest: 0.9, seed: 2n }), ts.shouldStop({ probBest: 0.9, seed: 2n }))
  assert.equal(ts.toJson(), json)

  const lin = new ki3.LinearTS({ arms: ['p', 'q'], nFeatures: 2, seed: 1 })
  lin.updateBatch(['p', 'q', 'p'], f64(1, 0, 1), f64(1, 0, 0, 1, 1, 1))
  const x = f64(0.3, 0.7)
  assert.deepEqual(await lin.summaryAsync({ context: x }), lin.summary({ context: x }))
  assert.deepEqual(await lin.probBestAsync({ context: x, draws: 999 }), lin.probBest({ context: x, draws: 999 }))

  const policy = { arms: 3, seed: 4 }
  const opts = { rates: [0.2, 0.5, 0.4], steps: 500, seed: 8 }
  assert.deepEqual(await ki3.simulateAsync(policy, opts), ki3.simulate(policy, opts))
  const log = { arms: ['a', 'b', 'c', 'd', 'a'], rewards: f64(1, 0, 1, 0, 1) }
  assert.deepEqual(await ki3.replayAsync(ts, log), ki3.replay(ts, log))

  let p
  assert.doesNotThrow(() => { p = ts.probBestAsync({ draws: 0 }) })
  await assertRejectsNaming(p, 'draws')
  await assertRejectsNaming(ts.probBestAsync('x'), 'options', 'object')
  await assertRejectsNaming(ts.summaryAsync({ level: 2 }), 'level')
  await assertRejectsNaming(ts.shouldStopAsync({}), 'probBest')
  await assertRejectsNaming(lin.summaryAsync(), 'context', 'required')
  await assertRejectsNaming(ki3.simulateAsync(policy, { ...opts, rates: [0.2, 2, 0.1] }), 'rates', 'row 1')
  await assertRejectsNaming(ki3.simulateAsync('policy', opts), 'policy')
  await assertRejectsNaming(ki3.replayAsync(ts, { arms: ['zz'], rewards: f64(1) }), 'arms', 'zz')
  assert.equal(ts.toJson(), json)
})

test('the policy keeps serving while an async twin runs (they work on a copy)', async () => {
  const ts = trainedBernoulli(11, 100)
  const expected = ts.probBest({ draws: 200000, seed: 1 })
  const pending = [
    ts.probBestAsync({ draws: 200000, seed: 1 }),
    ts.summaryAsync(),
    ts.shouldStopAsync({ probBest: 0.9 }),
    ki3.simulateAsync(ts, { rates: [0.1, 0.2, 0.3, 0.4], steps: 20000, seed: 1 }),
    ki3.replayAsync(ts, { arms: ['a', 'b'], rewards: f64(1, 0) }),
  ]
  // Decisions and updates while the tasks run neither throw nor change their results.
  for (let i = 0; i < 100; i++) ts.update(ts.choose(), 1)
  const d = ts.decide()
  ts.reward(d.id, 0)
  const [pb] = await Promise.all(pending)
  assert.deepEqual(pb, expected)
  assert.equal(ts.nUpdates, 201)
})

// --- evaluators -----------------------------------------------------------------------------------

test('simulate: Thompson sampling beats uniform; deterministic; the policy is not changed', () => {
  const rates = f64(0.05, 0.1, 0.15, 0.3)
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 2 })
  const json = ts.toJson()
  const r = ki3.simulate(ts, { rates, steps: 3000, seed: 1 })
  assert.equal(ts.toJson(), json)
  assert.deepEqual(r.arms, ABCD)
  assert.ok(r.choices instanceof Uint32Array && r.choices.length === 3000)
  for (const k of ['rewards', 'regret', 'uniformRegret']) assert.ok(r[k] instanceof Float64Array && r[k].length === 3000)
  assert.ok(r.regret[2999] < 0.25 * r.uniformRegret[2999], `${r.regret[2999]} vs ${r.uniformRegret[2999]}`)
  assert.deepEqual(ki3.simulate(ts, { rates, steps: 3000, seed: 1 }), r)
  // The same policy from options: identical run.
  assert.deepEqual(ki3.simulate({ arms: ABCD, seed: 2 }, { rates: [...rates], steps: 3000, seed: 1 }), r)
  const g = ki3.simulate(new ki3.GaussianTS({ arms: 4, seed: 2 }), { rates, steps: 200, seed: 1 })
  assert.equal(g.choices.length, 200)

  // Drift: after the switch the best arm is a; a discounted policy follows it.
  const drift = { kind: 'switch', at: 1500, rates: [0.4, 0.1, 0.1, 0.1] }
  const moving = ki3.simulate({ arms: 4, seed: 3, discount: 0.99 }, { rates, steps: 3000, seed: 5, drift })
  const late = moving.choices.subarray(2500)
  assert.ok(late.filter((c) => c === 0).length > 300, 'follows the switch')
  // Uniform regret grows by max - mean of the rates in force: 0.15 before, 0.225 after.
  const step = (t) => moving.uniformRegret[t] - moving.uniformRegret[t - 1]
  assert.ok(Math.abs(step(1) - 0.15) < 1e-9 && Math.abs(step(1500) - 0.225) < 1e-9)
  const lin = ki3.simulate({ arms: 4, seed: 3 }, { rates, steps: 100, seed: 5, drift: { kind: 'linear', rates: [0.4, 0.1, 0.1, 0.1] } })
  assert.equal(lin.choices.length, 100)
  assert.equal(ki3.simulate(ts, { rates, steps: 0, seed: 1 }).choices.length, 0)

  const bad = [
    [ts, { rates: [0.1, 0.2], steps: 10, seed: 1 }, 'rates', 'length 2'],
    [ts, { rates: [0.1, 0.2, 0.3, -0.1], steps: 10, seed: 1 }, 'rates', 'row 3'],
    [ts, { rates: [0.1, 0.2, 0.3, Number.NaN], steps: 10, seed: 1 }, 'rates'],
    [ts, { rates: 'x', steps: 10, seed: 1 }, 'options.rates'],
    [ts, { rates, steps: -1, seed: 1 }, 'steps'],
    [ts, { rates, steps: 1e12, seed: 1 }, 'steps'],
    [ts, { rates, steps: 1.5, seed: 1 }, 'steps'],
    [ts, { rates, steps: 10 }, 'options.seed', 'missing'],
    [ts, { rates, steps: 10, seed: 1, drift: { kind: 'wobble', rates } }, 'drift.kind', 'wobble'],
    [ts, { rates, steps: 10, seed: 1, drift: { kind: 'switch', rates } }, 'drift.at', 'required'],
    [ts, { rates, steps: 10, seed: 1, drift: { kind: 'linear', rates: [0.5] } }, 'drift.rates', 'length 1'],
    [new ki3.LinearTS({ arms: 4, nFeatures: 2 }), { rates, steps: 10, seed: 1 }, 'context-free'],
    [{ arms: [] }, { rates, steps: 10, seed: 1 }, 'arms', 'empty'],
    [{}, { rates, steps: 10, seed: 1 }, 'policy.arms', 'missing'],
    [null, { rates, steps: 10, seed: 1 }, 'policy'],
    [ts, undefined, 'options', 'object'],
  ]
  for (const [policy, options, ...parts] of bad) assertThrowsNaming(() => ki3.simulate(policy, options), ...parts)
  assert.equal(ts.toJson(), json)
})

test('replay: offline evaluation on a uniform log, context-free and linear', () => {
  const u = rng(77)
  const n = 4000
  const rates = [0.1, 0.2, 0.6, 0.3]
  const arms = new Uint32Array(n)
  const rewards = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    arms[i] = Math.floor(u() * 4)
    rewards[i] = u() < rates[arms[i]] ? 1 : 0
  }
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 1 })
  const json = ts.toJson()
  const r = ki3.replay(ts, { arms, rewards })
  assert.equal(ts.toJson(), json)
  assert.equal(r.events, n)
  assert.ok(r.matched > 500 && r.matched < n)
  assert.ok(r.meanReward > 0.45, `replayed reward ${r.meanReward}`)
  assert.ok(r.stdError > 0 && r.stdError < 0.05)
  const byName = ki3.replay(ts, { arms: Array.from(arms, (a) => ABCD[a]), rewards })
  assert.deepEqual(byName, r)
  const none = ki3.replay(ts, { arms: new Uint32Array(0), rewards: f64() })
  assert.deepEqual(none, { events: 0, matched: 0, meanReward: null, stdError: null })

  const lin = new ki3.LinearTS({ arms: ['p', 'q'], nFeatures: 2, seed: 3 })
  const m = 2000
  const la = new Uint32Array(m)
  const lr = new Float64Array(m)
  const lc = new Float64Array(m * 2)
  for (let i = 0; i < m; i++) {
    const x = u() * 2 - 1
    lc[2 * i] = x
    lc[2 * i + 1] = 1
    la[i] = u() < 0.5 ? 0 : 1
    lr[i] = (la[i] === 0 ? x : -x) + (u() - 0.5) * 0.2
  }
  const lres = ki3.replay(lin, { arms: la, rewards: lr, contexts: lc })
  assert.ok(lres.meanReward > 0.3, `linear replay ${lres.meanReward}`)
  assertThrowsNaming(() => ki3.replay(lin, { arms: la, rewards: lr }), 'contexts', 'required')
  assertThrowsNaming(() => ki3.replay(lin, { arms: la, rewards: lr, contexts: lc.subarray(1) }), 'contexts')
  assertThrowsNaming(() => ki3.replay(ts, { arms, rewards: rewards.subarray(1) }), 'rewards', 'length')
  assertThrowsNaming(() => ki3.replay(ts, { arms, rewards, contexts: lc }), 'contexts', 'context-free')
  assertThrowsNaming(() => ki3.replay(ts, { arms: new Uint32Array([7]), rewards: f64(1) }), 'arms', 'row 0')
  assertThrowsNaming(() => ki3.replay(ts, { arms: [1, 2], rewards: f64(1, 1) }), 'log.arms', 'element 0')
  assertThrowsNaming(() => ki3.replay(ts, { arms: new Array(2 ** 32 - 1), rewards: f64(1) }), 'log.arms', 'element 0')
  assertThrowsNaming(() => ki3.simulate(ts, { rates: new Array(2 ** 32 - 1), steps: 1, seed: 1 }), 'options.rates', 'element 0')
  assertThrowsNaming(() => ki3.replay(ts, { arms: ['a'], rewards: f64(Number.NaN) }), 'rewards', 'row 0')
  assertThrowsNaming(() => ki3.replay(ts), 'log', 'object')
})

// --- replicas ---------------------------------------------------------------------------------

test('merge: two replicas from one snapshot equal one policy that saw every update', () => {
  const base = trainedBernoulli(11, 100)
  const snapshot = base.toJson()
  const left = ki3.BernoulliTS.fromJson(snapshot)
  const right = ki3.BernoulliTS.fromJson(snapshot)
  const single = ki3.BernoulliTS.fromJson(snapshot)
  const u = rng(5)
  for (let i = 0; i < 300; i++) {
    const arm = ABCD[i % 4]
    const r = u() < 0.4 ? 1 : 0
    ;(i % 3 === 0 ? left : right).update(arm, r)
    single.update(arm, r)
  }
  left.merge(ki3.BernoulliTS.fromJson(snapshot), right)
  assert.equal(left.nUpdates, single.nUpdates)
  const a = left.summary()
  const b = single.summary()
  assertSameValues(a.n, b.n, 'n')
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(a.mean[i] - b.mean[i]) <= 1e-12 * Math.abs(b.mean[i]))
  const discounted = new ki3.BernoulliTS({ arms: ABCD, discount: 0.9 })
  assertRejectedUnchanged(left, () => left.merge(discounted, right), 'discount')
  const other = new ki3.BernoulliTS({ arms: ['x', 'y'] })
  assertRejectedUnchanged(left, () => left.merge(base, other), 'different arms')
  assertRejectedUnchanged(left, () => left.merge(base, new ki3.GaussianTS({ arms: ABCD })), '')
})

test('methods called on the instance and through the prototype agree: draws, ids, state and errors', () => {
  const x = f64(0.5, -1, 2)
  const cases = [
    [ki3.BernoulliTS, { arms: ABCD, seed: 5 }, undefined],
    [ki3.GaussianTS, { arms: ABCD, seed: 5 }, undefined],
    [ki3.LinearTS, { arms: ABCD, nFeatures: 3, seed: 5 }, x],
  ]
  for (const [Policy, options, context] of cases) {
    const nat = Policy.prototype
    const fast = new Policy(options)
    const slow = new Policy(options)
    const u = rng(9)
    for (let i = 0; i < 300; i++) {
      const r = u() < 0.4 ? 1 : 0
      // update: by name and by index
      const arm = i % 2 ? ABCD[i % 4] : i % 4
      fast.update(arm, r, context)
      nat.update.call(slow, arm, r, context)
      // choose: single and slate
      const c = context === undefined ? undefined : { context }
      assert.equal(fast.choose(c), nat.choose.call(slow, c))
      const slate = { n: 3, context }
      assert.deepEqual(fast.choose(slate), nat.choose.call(slow, slate))
      // decide + reward (out of order every other step)
      const d1 = fast.decide(c)
      const d2 = nat.decide.call(slow, c)
      assert.deepEqual(d1, d2)
      fast.reward(d1.id, r)
      nat.reward.call(slow, d2.id, r)
    }
    assert.equal(fast.toJson(), slow.toJson())
    // Errors: the same messages, and nothing changes.
    const before = fast.toJson()
    const bad = [
      (p, m) => m.update.call(p, 'zz', 1, context),
      (p, m) => m.update.call(p, 9, 1, context),
      (p, m) => m.update.call(p, 1.5, 1, context),
      (p, m) => m.update.call(p, 'a', NaN, context),
      (p, m) => m.reward.call(p, 12345, 1),
      (p, m) => m.reward.call(p, -1, 1),
      (p, m) => m.choose.call(p, { n: 0, context }),
      (p, m) => m.choose.call(p, { n: 1.5, context }),
      (p, m) => m.choose.call(p, { n: 9, context }),
      (p, m) => m.decide.call(p, { context: f64(1) }),
    ]
    for (const call of bad) {
      let fastErr, slowErr
      try {
        call(fast, fast)
      } catch (err) {
        fastErr = err
      }
      try {
        call(slow, nat)
      } catch (err) {
        slowErr = err
      }
      assert.ok(fastErr instanceof Error, String(call))
      assert.equal(fastErr.message, slowErr.message)
      assert.equal(fastErr.code, slowErr.code)
    }
    assert.equal(fast.toJson(), before)
  }
})

test('arms added later are named, retired arms are never chosen, copies are separate', () => {
  for (const Policy of [ki3.BernoulliTS, ki3.GaussianTS]) {
    const ts = new Policy({ arms: ABCD, seed: 5 })
    ts.choose()
    ts.addArm('e')
    for (const arm of ABCD) ts.retireArm(arm)
    assert.equal(ts.choose(), 'e')
    ts.update('e', 1)
    ts.addArm('f')
    ts.update('f', 0) // a name added after the index cache was built
    ts.retireArm('e')
    assert.equal(ts.choose(), 'f')
    assert.deepEqual(ts.decide().arm, 'f')
    const copy = Policy.fromJson(ts.toJson())
    assert.equal(copy.choose(), 'f')
    assert.equal(copy.nUpdates, ts.nUpdates)
    // A frozen policy object still works (through the native methods).
    const frozen = Object.freeze(Policy.fromJson(ts.toJson()))
    assert.equal(frozen.choose(), 'f')
    frozen.update('f', 1)
    assert.equal(frozen.nUpdates, ts.nUpdates + 1)
  }
})

test('a call re-entering the same policy from a getter throws instead of aliasing', () => {
  const ts = new ki3.BernoulliTS({ arms: ABCD, seed: 1 })
  const before = ts.toJson()
  let inner
  // The native code reads the eligible list element by element: the getter runs inside it.
  const eligible = ['a', 'b']
  Object.defineProperty(eligible, 1, {
    get() {
      try {
        ts.update('a', 1)
      } catch (err) {
        inner = err
      }
      return 'b'
    },
  })
  assert.ok(['a', 'b'].includes(ts.choose({ eligible })))
  assert.match(String(inner), /borrowed mutably while another borrow|in use by a call/)
  // Only the outer choose ran: the re-entrant update changed nothing.
  const replay = ki3.BernoulliTS.fromJson(before)
  replay.choose({ eligible: ['a', 'b'] })
  assert.equal(ts.toJson(), replay.toJson())
  // Option getters run once, before any native call, so they may use the policy.
  let reads = 0
  const options = {
    get n() {
      reads++
      ts.update('c', 0)
      return 2
    },
  }
  assert.equal(ts.choose(options).length, 2)
  assert.equal(reads, 1)
  // A foreign receiver of the patched methods gets the native method's error, not a crash.
  const { choose, update } = ki3.BernoulliTS.prototype
  const nat = ki3.BernoulliTS.prototype
  const sameError = (fast, slow) => {
    let a, b
    try {
      fast()
    } catch (err) {
      a = err
    }
    try {
      slow()
    } catch (err) {
      b = err
    }
    assert.ok(a instanceof Error)
    assert.equal(a.message, b.message)
  }
  sameError(() => choose.call({}), () => nat.choose.call({}))
  sameError(() => update.call(Object.freeze({}), 'a', 1), () => nat.update.call({}, 'a', 1))
  const derived = Object.create(ts)
  sameError(() => derived.choose(), () => nat.choose.call(derived))
  const gaussian = new ki3.GaussianTS({ arms: ABCD, seed: 1 })
  gaussian.choose()
  const bernoulliUpdate = ki3.BernoulliTS.prototype.update
  sameError(() => bernoulliUpdate.call(gaussian, 'a', 1), () => nat.update.call(gaussian, 'a', 1))
  // Null option fields are refused like the native parser refuses them, whatever else is given.
  for (const o of [{ n: null }, { n: null, eligible: ['a', 'b'] }, { context: null }, { eligible: null, n: 9 }]) {
    sameError(() => ts.choose(o), () => nat.choose.call(ts, o))
    sameError(() => ts.decide(o), () => nat.decide.call(ts, o))
  }
})

test('growing arm lists stay cheap, overridden getters are not trusted', () => {
  // Alternating addArm with update/choose: each step fetches only the new names.
  const ts = new ki3.BernoulliTS({ arms: ['a0'], seed: 1 })
  const t0 = process.hrtime.bigint()
  for (let i = 1; i < 3000; i++) {
    ts.addArm(`a${i}`)
    ts.update(`a${i}`, 1)
    ts.retireArm(`a${i - 1}`)
    assert.equal(ts.choose(), `a${i}`)
  }
  // Unknown names go to the native method (its error), without rebuilding caches.
  for (let i = 0; i < 3000; i++) assert.throws(() => ts.update(`nope${i}`, 1), /no arm named/)
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  assert.ok(seconds < 5, `${seconds} s`) // quadratic behaviour took minutes here
  // A subclass overriding `arms` sees its own getter; choices and updates use the real arms.
  class Labeled extends ki3.BernoulliTS {
    get arms() {
      return super.arms.map((a) => a.toUpperCase())
    }
  }
  const l = new Labeled({ arms: ['x', 'y'], seed: 2 })
  const plain = new ki3.BernoulliTS({ arms: ['x', 'y'], seed: 2 })
  assert.equal(l.choose(), plain.choose())
  assert.throws(() => l.update('X', 1), /no arm named/)
  l.update('x', 1)
  plain.update('x', 1)
  assert.equal(l.toJson(), plain.toJson())
  // Contexts that only pretend to be Float64Arrays get the native method's error.
  const lin = new ki3.LinearTS({ arms: ['x', 'y'], nFeatures: 2, seed: 1 })
  const nat = ki3.LinearTS.prototype
  const fakes = [new Proxy(new Float64Array(2), {}), Object.create(Float64Array.prototype)]
  for (const context of fakes) {
    let a, b
    try {
      lin.choose({ context })
    } catch (err) {
      a = err
    }
    try {
      nat.choose.call(lin, { context })
    } catch (err) {
      b = err
    }
    assert.ok(a instanceof Error)
    assert.equal(a.message, b.message)
  }
})

test('slates agree through the instance and the prototype (many arms, long slates)', () => {
  const nat = ki3.BernoulliTS.prototype
  // 8,300 arms of which only those from index 2^13 on are active: their indices do not pack
  // for n = 4 (13 bits each), so the names come back.
  for (const [count, n] of [[8_300, 4], [100, 60], [100, 5], [3, 3]]) {
    const arms = Array.from({ length: count }, (_, i) => `arm${i}`)
    const fast = new ki3.BernoulliTS({ arms, seed: 4 })
    const slow = new ki3.BernoulliTS({ arms, seed: 4 })
    for (let i = 0; count > 2 ** 13 && i < 2 ** 13; i++) {
      fast.retireArm(arms[i])
      slow.retireArm(arms[i])
    }
    for (let i = 0; i < 5; i++) {
      const a = fast.choose({ n })
      assert.deepEqual(a, nat.choose.call(slow, { n }))
      assert.equal(new Set(a).size, n)
    }
    // The random streams are still in step.
    assert.equal(fast.choose(), nat.choose.call(slow))
  }
})
