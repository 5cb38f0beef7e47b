// syntheticMedia: weekly spend and sales generated from the MMM with known truth.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { syntheticMedia } from '../index.js'

test('syntheticMedia is reproducible and its truth adds up', () => {
  const a = syntheticMedia({ seed: 3, weeks: 104 })
  const b = syntheticMedia({ seed: 3n, weeks: 104 })
  assert.deepEqual(a.sales, b.sales)
  assert.notDeepEqual(syntheticMedia({ seed: 4, weeks: 104 }).sales, a.sales)
  const k = a.channels.length
  assert.deepEqual(a.channels, ['search', 'social', 'display', 'email'])
  assert.equal(a.spend.length, 104 * k)
  assert.equal(a.dates[1] - a.dates[0], 7n)
  for (let c = 0; c < k; c++) {
    let contributed = 0
    let spent = 0
    for (let t = 0; t < 104; t++) {
      contributed += a.truth.contributions[t * k + c]
      spent += a.spend[t * k + c]
    }
    assert.ok(Math.abs(a.truth.roas[c] - contributed / spent) < 1e-12 * a.truth.roas[c])
  }
})

test('syntheticMedia start and bad options name the argument', () => {
  const d = syntheticMedia({ seed: 0, weeks: 30, start: new Date('2020-06-01T00:00:00Z') })
  assert.equal(d.dates[0], BigInt(Date.UTC(2020, 5, 1) / 86400000))
  assert.throws(() => syntheticMedia({ seed: 0, weeks: 3 }), /weeks/)
  assert.throws(() => syntheticMedia({ seed: 0, weeks: 2.5 }), /weeks/)
  assert.throws(() => syntheticMedia({ seed: -1 }), /seed/)
})
