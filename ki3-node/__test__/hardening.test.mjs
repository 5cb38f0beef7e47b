// Hostile inputs from the hardening issue: the same rules as Python (they live in the core),
// and errors that name the argument.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { ki3 } from './_helpers.mjs'

test('merge names the argument that is not a policy of the same class', () => {
  const a = new ki3.BernoulliTS({ arms: ['a', 'b'] })
  const g = new ki3.GaussianTS({ arms: ['a', 'b'] })
  const base = ki3.BernoulliTS.fromJson(a.toJson())
  assert.throws(() => a.merge(base, g), { message: /^other: expected a BernoulliTS/ })
  assert.throws(() => a.merge({}, base), { message: /^base: expected a BernoulliTS/ })
  assert.throws(() => a.merge(base, a), { message: /^other: must be another policy/ })
})

test('rfmScores: empty input gives empty scores, as in Python', async () => {
  const empty = { frequency: new Float64Array(0), recency: new Float64Array(0), T: new Float64Array(0) }
  for (const s of [ki3.rfmScores(empty), await ki3.rfmScoresAsync(empty)]) {
    assert.equal(s.R.length, 0)
    assert.equal(s.segment.length, 0)
  }
})

test('rfmScores: without monetaryValue every M is 1; negatives are rejected', () => {
  const base = {
    frequency: new Float64Array([0, 3, 1]),
    recency: new Float64Array([0, 5, 2]),
    T: new Float64Array([9, 9, 9]),
  }
  const without = ki3.rfmScores(base)
  const withM = ki3.rfmScores({ ...base, monetaryValue: new Float64Array([0, 7, 2]) })
  assert.deepEqual([...without.M], [1, 1, 1])
  assert.deepEqual([...without.R], [...withM.R])
  assert.deepEqual([...without.segment], [...withM.segment])
  assert.throws(
    () => ki3.rfmScores({ ...base, frequency: new Float64Array([0, -1, 1]) }),
    { message: /^frequency: invalid value at row 1: must not be negative/ },
  )
})

test('absurd priors name the prior', () => {
  assert.throws(
    () => new ki3.BernoulliTS({ arms: ['a'], prior: [1e308, 1] }),
    { message: /prior\.alpha: must be at most 1e9/ },
  )
})

test('a saved state with more arms than the limit is refused while reading', () => {
  const arm = '{"name":"a","active":true,"last":0,"stats":{"n":0.0,"successes":{"sum":0.0,"compensation":0.0}}}'
  const text = '{"format":"ki3","kind":"BernoulliTs","version":1,"state":{"params":{"prior":' +
    '{"alpha":1.0,"beta":1.0},"options":{"discount":1.0,"top_two":null,"top_two_max_resamples":100,' +
    '"pending_horizon":10000,"seed":0}},"arms":[' + Array(1048577).fill(arm).join(',') +
    '],"clock":0,"rng":"ad6cad067346f08745cdb581f973f2ed","next_decision_id":0,"pending":[]}}'
  assert.throws(() => ki3.BernoulliTS.fromJson(text), { message: /more than 1048576 elements/ })
  assert.throws(() => ki3.load(text), { message: /more than 1048576 elements/ })
})
