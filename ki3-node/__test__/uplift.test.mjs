// Uplift evaluation metrics: scikit-uplift's numbers on the Hillstrom fixtures (to 1e-9),
// causalml's scores, defaults and bad input.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { assertThrowsNaming, ki3, sharedData } from './_helpers.mjs'

const f64 = (a) => new Float64Array(a)
// The 20-row example of the core's unit tests (tied scores in both groups); expected values
// printed by scikit-uplift 0.5.1 (scikit-learn 1.9.1, numpy 2.4.6).
const Y = f64([1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0])
const T = f64([1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0])
const S = f64([0.9, 0.8, 0.7, 0.7, 0.5, 0.1, 0.5, 0.5, 0.3, 0.2, 0.9, 0.0, 0.4, 0.3, 0.6, 0.7, 0.2, 0.1, 0.0, 0.6])

const near = (got, want, tol, label) =>
  assert.ok(Math.abs(got - want) <= tol, `${label}: ${got} vs ${want}`)

test('small example: curves and scores match scikit-uplift', () => {
  const q = ki3.qiniCurve(Y, S, T)
  assert.ok(q.x instanceof Float64Array && q.y instanceof Float64Array)
  assert.deepEqual([...q.x], [0, 2, 3, 6, 8, 11, 12, 14, 16, 18, 20])
  const qy = [0, 1, 1, 0, 0, 0.5, 1, -0.4, 1.1428571428571423, 1.25, 1]
  qy.forEach((v, i) => near(q.y[i], v, 1e-12, `qini[${i}]`))
  assert.deepEqual([...ki3.perfectQiniCurve(Y, T).y], [0, 5, 5, 1])
  assert.deepEqual([...ki3.perfectQiniCurve(Y, T, { negativeEffect: false }).x], [0, 1, 20])
  near(ki3.perfectUpliftCurve(Y, T).y[2], 11, 1e-12, 'perfect uplift')
  assert.deepEqual([...ki3.randomQiniCurve(Y, T).y], [0, 1])
  near(ki3.randomUpliftCurve(Y, T).y[1], 2, 1e-12, 'random uplift')
  near(ki3.upliftCurve(Y, S, T).y[5], 0.7857142857142854, 1e-12, 'uplift curve')
  near(ki3.qiniAucScore(Y, S, T), 0.014182939362795454, 1e-12, 'qini')
  near(ki3.qiniAucScore(Y, S, T, { negativeEffect: false }), 0.10375939849624043, 1e-12, 'qini ne')
  near(ki3.upliftAucScore(Y, S, T), -0.03110670194003522, 1e-12, 'uplift auc')
  near(ki3.upliftAtK(Y, S, T, { strategy: 'overall', k: 7 }), 0.16666666666666669, 1e-12, 'at 7')
  near(ki3.upliftAtK(Y, S, T, { strategy: 'by_group', k: 7 }), 1 / 7, 1e-12, 'at 7 by group')
  const r = ki3.responseRateByPercentile(Y, S, T, { group: 'treatment', bins: 3 })
  assert.deepEqual([...r.responseRate], [0.5, 0.6, 0])
  assert.deepEqual([...r.groupSize], [4, 5, 1])
  near(ki3.weightedAverageUplift(Y, S, T, { strategy: 'by_group', bins: 3 }), 0.1, 1e-12, 'wau')
  const table = ki3.upliftByPercentile(Y, S, T, { bins: 3 })
  assert.deepEqual([...table.nTreatment], [4, 5, 1])
  near(table.uplift[2], -0.2, 1e-12, 'table uplift')
})

test('options left out take the core defaults', () => {
  const D = ki3.coreDefaults()
  assert.equal(D['uplift_at_k.k'], 0.3)
  assert.equal(ki3.upliftAtK(Y, S, T, { strategy: 'by_group' }),
    ki3.upliftAtK(Y, S, T, { strategy: 'by_group', k: D['uplift_at_k.k'] }))
  // 20 rows cannot fill the default 10 bins with both groups: the same error either way.
  const bins = D['weighted_average_uplift.bins']
  assert.equal(bins, 10)
  assertThrowsNaming(() => ki3.weightedAverageUplift(Y, S, T), 'bins', 'no treated or no control')
  assertThrowsNaming(() => ki3.weightedAverageUplift(Y, S, T, { bins }), 'bins', 'no treated or no control')
  assert.equal(ki3.upliftByPercentile(Y, S, T).nTreatment.length, D['uplift_by_percentile.bins'])
  assert.equal(ki3.qiniScore(Y, S, T), ki3.qiniScore(Y, S, T, { normalize: true }))
})

function readScores() {
  const path = sharedData('uplift/hillstrom_womens_vs_none_test_scores.csv')
  if (path === null) return null
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n')
  const names = head.split(',')
  const cols = Object.fromEntries(names.map((n) => [n, new Float64Array(lines.length)]))
  lines.forEach((line, i) => line.split(',').forEach((v, j) => { cols[names[j]][i] = Number(v) }))
  const reference = JSON.parse(readFileSync(sharedData('uplift/hillstrom_reference_metrics.json'), 'utf8'))
  return { cols, reference }
}

test('Hillstrom: the reference json reproduced to 1e-9', (t) => {
  const data = readScores()
  if (data === null) return t.skip('no ../shared/data')
  const { cols: d, reference } = data
  let checked = 0
  for (const [model, ref] of Object.entries(reference.models)) {
    const u = d[model]
    const got = {
      qini_auc_score: ki3.qiniAucScore(d.y, u, d.t),
      qini_auc_score_negative_effect_false: ki3.qiniAucScore(d.y, u, d.t, { negativeEffect: false }),
      uplift_auc_score: ki3.upliftAucScore(d.y, u, d.t),
      'uplift_at_k_0.3_overall': ki3.upliftAtK(d.y, u, d.t, { strategy: 'overall', k: 0.3 }),
      'uplift_at_k_0.3_by_group': ki3.upliftAtK(d.y, u, d.t, { strategy: 'by_group', k: 0.3 }),
      weighted_average_uplift_bins10_overall: ki3.weightedAverageUplift(d.y, u, d.t, { bins: 10 }),
    }
    for (const [key, value] of Object.entries(got)) {
      let want = ref[key]
      if (model === 'two_models_lr_scaled_tight' && key.startsWith('weighted_average')) {
        // The json was computed in train_test_split's shuffled row order and tied scores
        // straddle a decile boundary here; the file is sorted by row, and scikit-uplift 0.5.1
        // on the file as it is gives this (the Rust and Python tests also check the json's
        // number in the split order).
        want = 0.051901526943787336
      }
      near(value, want, 1e-9, `${model}.${key}`)
      checked++
    }
  }
  assert.equal(checked, 18)
  // causalml 0.18.0 qini_score / auuc_score, ties in row order (see the Rust test).
  const u = d.two_models_lr_scaled_tight
  near(ki3.qiniScore(d.y, u, d.t), 0.14571807316797378, 1e-9, 'causalml qini')
  near(ki3.auucScore(d.y, u, d.t), 0.6472863201369732, 1e-9, 'causalml auuc')
  near(ki3.qiniScore(d.y, u, d.t, { normalize: false }), 49.6265915398869, 1e-7, 'causalml qini raw')
  const c = ki3.qiniCurve(d.y, u, d.t, { convention: 'causalml' })
  assert.equal(c.x.length, d.y.length + 1)
  near(c.y[c.y.length - 1], 340.5657957244656, 1e-9, 'qini end')
})

test('bad input: Errors naming the argument, never a crash', () => {
  const cases = [
    [() => ki3.qiniAucScore(Y, f64([1, 2]), T), 'uplift', 'length 2', 'yTrue length 20'],
    [() => ki3.qiniAucScore(f64([]), f64([]), f64([])), 'yTrue', 'empty'],
    [() => ki3.qiniAucScore(Y, S.map((v, i) => (i === 3 ? NaN : v)), T), 'uplift', 'row 3'],
    [() => ki3.qiniAucScore(Y, S, T.map((v) => v * 2)), 'treatment', 'row 0'],
    [() => ki3.qiniAucScore(Y.map((v) => v / 2), S, T), 'yTrue', 'row 0'],
    [() => ki3.qiniAucScore(Y, S, T.map(() => 1)), 'treatment', 'only treated'],
    [() => ki3.upliftAucScore(Y, S, T.map(() => 0)), 'treatment', 'only control'],
    [() => ki3.qiniAucScore([1, 0], S, T), 'yTrue', 'Float64Array'],
    [() => ki3.qiniAucScore(Y, 'abc', T), 'uplift', 'Float64Array', 'string'],
    [() => ki3.qiniAucScore(Y, S, new Int32Array(20)), 'treatment', 'Float64Array'],
    [() => ki3.qiniAucScore(Y, S), 'treatment'],
    [() => ki3.qiniAucScore(Y, S, T, { negativeEffect: 'yes' }), 'options.negativeEffect'],
    [() => ki3.qiniCurve(Y, S, T, { convention: 'R' }), 'convention'],
    [() => ki3.qiniCurve(Y, S, T, { normalize: true }), 'normalize'],
    [() => ki3.qiniCurve(Y, S, T, 5), 'options', 'object'],
    [() => ki3.upliftAtK(Y, S, T), 'options', 'object'],
    [() => ki3.upliftAtK(Y, S, T, {}), 'options.strategy'],
    [() => ki3.upliftAtK(Y, S, T, { strategy: 'top' }), 'strategy'],
    [() => ki3.upliftAtK(Y, S, T, { strategy: 'overall', k: 20 }), 'k'],
    [() => ki3.upliftAtK(Y, S, T, { strategy: 'overall', k: -1 }), 'k'],
    [() => ki3.upliftAtK(Y, S, T, { strategy: 'overall', k: NaN }), 'k'],
    [() => ki3.upliftAtK(Y, S, T, { strategy: 'overall', k: 0.01 }), 'k', 'no treated rows'],
    [() => ki3.upliftAtK(Y, S, T, { strategy: 'by_group', k: 11 }), 'k', 'exceeds'],
    [() => ki3.responseRateByPercentile(Y, S, T, { group: 'both' }), 'group'],
    [() => ki3.responseRateByPercentile(Y, S, T, { group: 'control', bins: 20 }), 'bins'],
    [() => ki3.weightedAverageUplift(Y, S, T, { bins: 0 }), 'bins'],
    [() => ki3.weightedAverageUplift(Y, S, T, { bins: 2.5 }), 'bins'],
    [() => ki3.upliftByPercentile(Y, S, T, { strategy: 'by_bin' }), 'strategy'],
    [() => ki3.perfectQiniCurve(f64([0, 0, 0, 0]), f64([1, 1, 0, 0]), { negativeEffect: false }).x, 'never'],
  ]
  for (const [fn, ...parts] of cases) {
    if (parts[0] === 'never') {
      fn() // a valid (degenerate) curve, no error
      continue
    }
    assertThrowsNaming(fn, ...parts)
    try { fn() } catch (err) { assert.equal(err.code, 'InvalidArg', err.message) }
  }
})
