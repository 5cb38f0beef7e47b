// rfmSummary / rfmScores: a hand example, units, score ranges and segments, async twins.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { assertSameValues, ki3 } from './_helpers.mjs'

// lifetimes-style example: customer 1 buys twice on 1997-01-01 and once on 1997-01-18,
// customer 2 once on 1997-03-05, customer 3 only browses. Observation ends 1997-09-30.
const day = (m, d, h = 0) => Date.UTC(1997, m - 1, d, h)
const LOG = {
  customer: new BigUint64Array([1n, 1n, 1n, 2n, 3n]),
  timestamp: new Float64Array([day(1, 1), day(1, 1, 12), day(1, 18), day(3, 5), day(2, 1)]),
  amount: new Float64Array([10, 5, 30, 20, 0]),
  purchase: new Uint8Array([1, 1, 1, 1, 0]),
}
const END = new Date(day(9, 30))

test('rfmSummary: hand example (freq D, multiplier 7)', () => {
  const s = ki3.rfmSummary(LOG, { observationEnd: END, freq: 'D', freqMultiplier: 7 })
  assert.deepEqual([...s.customer], [1n, 2n])
  assertSameValues(s.frequency, [1, 0], 'frequency')
  assertSameValues(s.recency, [17 / 7, 0], 'recency')
  assertSameValues(s.T, [272 / 7, 209 / 7], 'T')
  // Mean of the repeat periods' spend: the 1997-01-18 purchase only.
  assertSameValues(s.monetaryValue, [30, 0], 'monetaryValue')
})

test('rfmSummary: the same in days, seconds and with string ids', () => {
  const expected = ki3.rfmSummary(LOG, { observationEnd: END, freqMultiplier: 7 })
  const days = {
    ...LOG,
    timestamp: new BigInt64Array([...LOG.timestamp].map((t) => BigInt(Math.floor(t / 86400000)))),
  }
  const inDays = ki3.rfmSummary(days, {
    observationEnd: Math.floor(END.getTime() / 86400000),
    timeUnit: 'D',
    freqMultiplier: 7,
  })
  const secs = { ...LOG, timestamp: Float64Array.from(LOG.timestamp, (t) => t / 1000) }
  const inSecs = ki3.rfmSummary(secs, { observationEnd: END, timeUnit: 's', freqMultiplier: 7 })
  for (const s of [inDays, inSecs]) {
    for (const k of ['customer', 'frequency', 'recency', 'T', 'monetaryValue']) assertSameValues(s[k], expected[k], k)
  }
  const named = ki3.rfmSummary({ ...LOG, customer: ['c1', 'c1', 'c1', 'c2', 'c3'] }, { observationEnd: END, freqMultiplier: 7 })
  assert.deepEqual(named.customer, ['c1', 'c2'])
  assertSameValues(named.T, expected.T, 'T')
})

test('rfmSummary: weeks and months; no amount means no monetaryValue', () => {
  const { amount, ...noAmount } = LOG
  const w = ki3.rfmSummary(noAmount, { observationEnd: END, freq: 'W' })
  assert.equal(w.monetaryValue, undefined)
  assert.ok(!('monetaryValue' in w))
  assertSameValues(w.frequency, [1, 0])
  const m = ki3.rfmSummary(LOG, { observationEnd: END, freq: 'M' })
  // Both January purchases of customer 1 fall in one month: no repeat period.
  assertSameValues(m.frequency, [0, 0])
  assertSameValues(m.monetaryValue, [0, 0])
})

test('rfmScores: hand example with distinct values', () => {
  const s = ki3.rfmScores({
    frequency: new Float64Array([0, 1, 2, 3, 4]),
    recency: new Float64Array([0, 2, 4, 6, 8]),
    T: new Float64Array([10, 10, 10, 10, 10]),
    monetaryValue: new Float64Array([5, 4, 3, 2, 1]),
  })
  assert.ok(s.R instanceof Uint8Array && s.rfmScore instanceof Uint16Array)
  assert.deepEqual([...s.R], [1, 2, 3, 4, 5])
  assert.deepEqual([...s.F], [1, 2, 3, 4, 5])
  assert.deepEqual([...s.M], [5, 4, 3, 2, 1])
  assert.deepEqual([...s.rfmScore], [7, 8, 9, 10, 11])
  assert.deepEqual(s.segment, ['Lost', 'Hibernating', 'Need Attention', 'Loyal', 'Champions'])
  // Ties share a score.
  const tied = ki3.rfmScores({
    frequency: new Float64Array([2, 2, 2]),
    recency: new Float64Array([1, 1, 1]),
    T: new Float64Array([3, 3, 3]),
    monetaryValue: new Float64Array([1, 1, 1]),
  }, 4)
  assert.deepEqual([...tied.F], [1, 1, 1])
})

test('rfmScores on a synthetic shop: ranges, sums, segment names; async twins', async () => {
  const shop = ki3.syntheticShop({ nCustomers: 2000, seed: 11 })
  const opts = { observationEnd: new Date('2025-01-01T00:00:00Z'), timeUnit: 's', freq: 'W' }
  const summary = ki3.rfmSummary(shop, opts)
  assert.ok(summary.customer.length > 100)
  const segments = new Set(['Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention',
    'About to Sleep', 'At Risk', "Can't Lose Them", 'Hibernating', 'Lost'])
  for (const bins of [undefined, 3, 10]) {
    const s = ki3.rfmScores(summary, bins)
    const top = bins ?? 5
    assert.equal(s.R.length, summary.customer.length)
    for (let i = 0; i < s.R.length; i++) {
      for (const k of ['R', 'F', 'M']) assert.ok(s[k][i] >= 1 && s[k][i] <= top, `${k}[${i}] = ${s[k][i]}`)
      assert.equal(s.rfmScore[i], s.R[i] + s.F[i] + s.M[i])
      assert.ok(segments.has(s.segment[i]), s.segment[i])
    }
    const a = await ki3.rfmScoresAsync(summary, bins)
    for (const k of ['R', 'F', 'M', 'rfmScore', 'segment']) assert.deepEqual(a[k], s[k], k)
  }
  const a = await ki3.rfmSummaryAsync(shop, opts)
  for (const k of ['customer', 'frequency', 'recency', 'T', 'monetaryValue']) assertSameValues(a[k], summary[k], k)
})

test('rfmScores: heavy tied groups at the bottom take a score each', () => {
  // 10 one-time buyers, 5 with one repeat, 2 with two, then 3, 4 and 6 repeats (20 customers):
  // 0 is more than a bin of 20 -> F 1; 1 is more than a bin of the 10 left -> 2; 2 of the 5
  // left -> 3; the last 3 share 4..5: 4 + floor(2 * w / 3) -> 4, 4, 5.
  const frequency = [...Array(10).fill(0), ...Array(5).fill(1), 2, 2, 3, 4, 6]
  const monetary = [...Array(10).fill(0), ...Array.from({ length: 10 }, (_, i) => 10 + i)]
  const s = ki3.rfmScores({
    frequency: new Float64Array(frequency),
    recency: new Float64Array(20),
    T: new Float64Array(20).fill(5),
    monetaryValue: new Float64Array(monetary),
  })
  assert.deepEqual([...s.F], [...Array(10).fill(1), ...Array(5).fill(2), 3, 3, 4, 4, 5])
  // M: the zeros are one heavy group, the 10 amounts get 2 + floor(4 * w / 10).
  assert.deepEqual([...s.M], [...Array(10).fill(1), 2, 2, 2, 3, 3, 4, 4, 4, 5, 5])
})

test('rfmScores on the demo shop: every segment is reached, whatever the bins', () => {
  const shop = ki3.syntheticShop({ nCustomers: 50000, seed: 7 })
  let end = shop.timestamp[0]
  for (const t of shop.timestamp) if (t > end) end = t
  const summary = ki3.rfmSummary(shop, { observationEnd: end, timeUnit: 's', freq: 'D' })
  const s = ki3.rfmScores(summary)
  const counts = new Map()
  for (const seg of s.segment) counts.set(seg, (counts.get(seg) ?? 0) + 1)
  for (const seg of ['Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention',
    'About to Sleep', 'At Risk', "Can't Lose Them", 'Hibernating', 'Lost']) {
    assert.ok(counts.get(seg) > 0, `${seg} is empty`)
  }
  for (let i = 0; i < s.F.length; i++) assert.equal(s.F[i] === 1, summary.frequency[i] === 0)
  for (const bins of [3, 4, 10]) assert.deepEqual(ki3.rfmScores(summary, bins).segment, s.segment, `bins ${bins}`)
})
