// syntheticShop: types, invariants, determinism.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { ki3 } from './_helpers.mjs'

const COLUMNS = ['customer', 'timestamp', 'amount', 'purchase', 'channel', 'category', 'session']

test('syntheticShop: column types and invariants', () => {
  const s = ki3.syntheticShop({ nCustomers: 500, seed: 42, eventsPerCustomer: 6, days: 90 })
  const types = {
    customer: BigUint64Array, timestamp: BigInt64Array, amount: Float64Array, purchase: Uint8Array,
    channel: Uint32Array, category: Uint32Array, session: BigUint64Array,
  }
  const n = s.customer.length
  assert.ok(n > 500, `${n} events`)
  for (const [k, T] of Object.entries(types)) {
    assert.ok(s[k] instanceof T, k)
    assert.equal(s[k].length, n, k)
  }
  assert.deepEqual(s.channelNames, ['email', 'search', 'social', 'display', 'direct'])
  assert.equal(s.categoryNames.length, 8)
  const start = 1704067200n // 2024-01-01, the default start
  for (let i = 0; i < n; i++) {
    assert.ok(s.customer[i] < 500n)
    assert.ok(s.timestamp[i] >= start && s.timestamp[i] < start + 90n * 86400n)
    if (i > 0) assert.ok(s.timestamp[i] >= s.timestamp[i - 1], 'sorted by time')
    assert.ok(s.purchase[i] === 0 || s.purchase[i] === 1)
    assert.ok(s.purchase[i] === 1 ? s.amount[i] > 0 : s.amount[i] === 0)
    assert.ok(s.channel[i] < 5 && s.category[i] < 8)
  }
})

test('syntheticShop: same seed same data, other seed other data', () => {
  const opts = { nCustomers: 300, seed: 7 }
  const a = ki3.syntheticShop(opts)
  const b = ki3.syntheticShop(opts)
  const big = ki3.syntheticShop({ ...opts, seed: 7n })
  for (const k of COLUMNS) {
    assert.deepEqual(b[k], a[k], k)
    assert.deepEqual(big[k], a[k], `${k} (bigint seed)`)
  }
  const c = ki3.syntheticShop({ ...opts, seed: 8 })
  assert.notDeepEqual(c.timestamp, a.timestamp)
})

test('syntheticShop: start as a Date or unix seconds; empty shop; async twin', async () => {
  const start = new Date('2020-06-01T00:00:00Z')
  const d = ki3.syntheticShop({ nCustomers: 50, seed: 1, start, days: 10 })
  const s = ki3.syntheticShop({ nCustomers: 50, seed: 1, start: start.getTime() / 1000, days: 10 })
  assert.deepEqual(d.timestamp, s.timestamp)
  assert.ok(d.timestamp[0] >= BigInt(start.getTime() / 1000))
  const empty = ki3.syntheticShop({ nCustomers: 0, seed: 1 })
  for (const k of COLUMNS) assert.equal(empty[k].length, 0)
  const a = await ki3.syntheticShopAsync({ nCustomers: 300, seed: 7 })
  const b = ki3.syntheticShop({ nCustomers: 300, seed: 7 })
  for (const k of COLUMNS) assert.deepEqual(a[k], b[k], k)
})

test('syntheticShop output feeds customerFeatures directly (timeUnit "s")', () => {
  const s = ki3.syntheticShop({ nCustomers: 200, seed: 5 })
  const f = ki3.customerFeatures(s, { asOf: new Date('2025-01-01T00:00:00Z'), timeUnit: 's' })
  assert.ok(f.customer.length > 150)
  for (const family of ['recency_days', 'revenue_30d', 'channel_share_4', 'top_category', 'events_per_session']) {
    assert.ok(f.names.includes(family), family)
  }
})
