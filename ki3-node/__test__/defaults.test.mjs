// Every default a Node user gets from a bandit class is the core's (`coreDefaults()`): options
// left out behave exactly like the core's values passed explicitly, and the saved state of a
// policy built with no options holds the core's values.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { ki3 } from './_helpers.mjs'

const D = ki3.coreDefaults()
const ARMS = ['a', 'b', 'c']
const CLASSES = [
  ['BernoulliTS', (o = {}) => new ki3.BernoulliTS({ arms: ARMS, ...o }), undefined],
  ['GaussianTS', (o = {}) => new ki3.GaussianTS({ arms: ARMS, ...o }), undefined],
  ['LinearTS', (o = {}) => new ki3.LinearTS({ arms: ARMS, nFeatures: 2, ...o }), new Float64Array([0.5, 1])],
]

test('coreDefaults covers every bandit class', () => {
  for (const [name] of CLASSES) {
    for (const key of ['new.discount', 'new.seed', 'new.pending_horizon', 'summary.level', 'insight.draws', 'insight.seed']) {
      assert.ok(`${name}.${key}` in D, `${name}.${key}`)
    }
  }
  assert.equal(D['BernoulliTS.summary.level'], 0.9)
})

for (const [name, make, context] of CLASSES) {
  test(`${name}: options left out take the core defaults`, () => {
    const key = (k) => D[`${name}.${k}`]
    // Constructor: the saved parameters are the core's.
    const plain = make()
    const doc = JSON.parse(plain.toJson()).state
    const o = doc.params.options
    assert.equal(o.discount, key('new.discount'))
    assert.equal(o.seed, key('new.seed'))
    assert.equal(o.pending_horizon, key('new.pending_horizon'))
    assert.equal(o.top_two_max_resamples, key('new.top_two_max_resamples'))
    assert.equal(o.top_two, key('new.top_two'))
    assert.equal(JSON.parse(make({ topTwo: true }).toJson()).state.params.options.top_two, key('top_two.beta'))
    if (name === 'LinearTS') {
      assert.equal(doc.params.ridge, key('new.ridge'))
      assert.equal(doc.params.noise, key('new.noise'))
    } else {
      const p = doc.params.prior
      const prior = name === 'BernoulliTS' ? [p.alpha, p.beta] : [p.mean, p.kappa, p.alpha, p.beta]
      assert.deepEqual(prior, key('new.prior'))
    }
    const explicit = make({
      discount: key('new.discount'),
      seed: key('new.seed'),
      pendingHorizon: key('new.pending_horizon'),
      topTwoMaxResamples: key('new.top_two_max_resamples'),
    })
    assert.equal(plain.toJson(), explicit.toJson())
    // Serving and insight: the same results with and without the defaults spelled out.
    for (let i = 0; i < 20; i++) {
      const arm = plain.choose(context && { context })
      assert.equal(arm, explicit.choose({ n: key('choose.n'), context }))
      plain.update(arm, i % 2, context)
      explicit.update(arm, i % 2, context)
    }
    assert.deepEqual(plain.summary(context && { context }), explicit.summary({ level: key('summary.level'), context }))
    const pb = plain.probBest(context && { context })
    assert.equal(pb.draws, key('prob_best.draws'))
    assert.deepEqual(pb, explicit.probBest({ draws: key('prob_best.draws'), seed: key('prob_best.seed'), context }))
    assert.deepEqual(
      plain.shouldStop({ probBest: 0.5, context }),
      explicit.shouldStop({ probBest: 0.5, draws: key('should_stop.draws'), seed: key('should_stop.seed'), context }),
    )
    assert.equal(plain.toJson(), explicit.toJson())
  })
}

test('features and RFM options left out take the core defaults', () => {
  assert.deepEqual(D['customer_features.windows'], [7, 30, 90, 365])
  const DAY = 86400
  const log = {
    customer: new Int32Array([1, 1, 2, 3, 3, 3]),
    timestamp: new Float64Array([0, 5, 40, 1, 200, 380].map((d) => d * DAY)),
    amount: new Float64Array([10, 20, 5, 7, 9, 30]),
  }
  const opts = { asOf: 400 * DAY, timeUnit: 's', families: ['windows'] }
  const plain = ki3.customerFeatures(log, opts)
  const explicit = ki3.customerFeatures(log, { ...opts, windows: D['customer_features.windows'] })
  assert.deepEqual(Object.keys(plain.columns), Object.keys(explicit.columns))
  for (const name of Object.keys(plain.columns)) {
    assert.deepEqual([...plain.columns[name]], [...explicit.columns[name]], name)
  }
  const summary = {
    frequency: new Float64Array([0, 1, 2, 3, 4, 6, 0]),
    recency: new Float64Array([0, 2, 4, 6, 8, 9, 0]),
    T: new Float64Array([10, 10, 10, 10, 10, 10, 10]),
    monetaryValue: new Float64Array([0, 4, 3, 2, 1, 8, 0]),
  }
  const scores = ki3.rfmScores(summary)
  const withBins = ki3.rfmScores(summary, D['rfm_scores.bins'])
  assert.deepEqual([...scores.R], [...withBins.R])
  assert.deepEqual([...scores.F], [...withBins.F])
  assert.deepEqual([...scores.M], [...withBins.M])
  assert.equal(D['rfm_scores.bins'], 5)
  assert.equal(D['rfm_summary.freq_multiplier'], 1)
})
