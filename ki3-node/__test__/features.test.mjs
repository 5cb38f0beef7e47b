// customerFeatures / historicalFeatures: hand-computed values, input variants, async twins.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { DAY, assertSameFeatures, assertSameValues, ki3, tinyLog } from './_helpers.mjs'

const NaN_ = Number.NaN
const OPTS = { asOf: 10 * DAY, timeUnit: 's', windows: [30, 7] }

test('customerFeatures: hand-computed values on a tiny log', () => {
  const r = ki3.customerFeatures(tinyLog(), OPTS)
  assert.ok(r.customer instanceof BigUint64Array)
  assert.deepEqual([...r.customer], [1n, 2n])
  const expected = {
    recency_days: [2, NaN_],
    tenure_days: [10, 1],
    purchases: [3, 0],
    purchase_days: [3, 0],
    monetary_total: [60, 0],
    monetary_mean: [20, NaN_],
    monetary_max: [30, NaN_],
    interpurchase_mean_days: [4, NaN_],
    interpurchase_std_days: [0, NaN_],
    purchases_7d: [2, 0],
    revenue_7d: [50, 0],
    events_7d: [2, 1],
    purchases_30d: [3, 0],
    revenue_30d: [60, 0],
    events_30d: [4, 1],
    channel_share_0: [0.5, 0],
    channel_share_1: [0.5, 1],
    channel_share_2: [0, 0],
    preferred_channel: [0, 1],
    channels_used: [2, 1],
  }
  assert.deepEqual(r.names, Object.keys(expected))
  assert.deepEqual(Object.keys(r.columns), r.names)
  for (const [name, values] of Object.entries(expected)) {
    assert.ok(r.columns[name] instanceof Float64Array, name)
    assertSameValues(r.columns[name], values, name)
  }
})

test('customerFeatures: families, default windows, asOf before every event', () => {
  const core = ki3.customerFeatures(tinyLog(), { ...OPTS, families: ['core'] })
  assert.deepEqual(core.names.slice(0, 3), ['recency_days', 'tenure_days', 'purchases'])
  assert.ok(!core.names.some((n) => n.startsWith('channel') || n.includes('_7d')))
  const dflt = ki3.customerFeatures(tinyLog(), { asOf: 10 * DAY, timeUnit: 's', families: ['windows'] })
  assert.deepEqual(
    dflt.names.filter((n) => n.startsWith('purchases_')),
    ['purchases_7d', 'purchases_30d', 'purchases_90d', 'purchases_365d'],
  )
  const early = ki3.customerFeatures(tinyLog(), { asOf: -1, timeUnit: 's' })
  assert.equal(early.customer.length, 0)
  assert.ok(early.names.length > 0)
  for (const name of early.names) assert.equal(early.columns[name].length, 0)
})

test('customerFeatures: an empty log gives an empty table', () => {
  const r = ki3.customerFeatures(
    { customer: new BigUint64Array(0), timestamp: new BigInt64Array(0) },
    { asOf: 0 },
  )
  assert.equal(r.customer.length, 0)
  assert.ok(r.names.includes('purchases'))
})

test('string ids and channel names round-trip', () => {
  const log = tinyLog()
  const names = ['email', 'web', 'app']
  const strings = {
    ...log,
    customer: ['bob', 'bob', 'bob', 'bob', 'bob', 'alice'],
    channel: [...log.channel].map((c) => names[c]),
  }
  const s = ki3.customerFeatures(strings, OPTS)
  const n = ki3.customerFeatures(log, OPTS)
  // Rows in sorted string order: alice (numeric 2), bob (numeric 1).
  assert.deepEqual(s.customer, ['alice', 'bob'])
  const rename = { channel_share_0: 'channel_share_email', channel_share_1: 'channel_share_web', channel_share_2: 'channel_share_app' }
  const shares = ['channel_share_app', 'channel_share_email', 'channel_share_web']
  const at = n.names.indexOf('channel_share_0')
  assert.deepEqual(s.names, [...n.names.slice(0, at), ...shares, ...n.names.slice(at + 3)])
  for (const name of n.names) {
    const target = rename[name] ?? name
    const back = [n.columns[name][1], n.columns[name][0]] // numeric rows are [1, 2] = [bob, alice]
    if (name === 'preferred_channel') {
      assert.deepEqual(s.columns[target], back.map((c) => names[c]))
    } else {
      assertSameValues(s.columns[target], back, target)
    }
  }
  assert.deepEqual(s.columns.preferred_channel, ['web', 'email'])
})

test('string categories: top_category is a name or null', () => {
  const log = {
    customer: new Uint32Array([1, 1, 2]),
    timestamp: new BigInt64Array([0n, 1n, 2n]),
    purchase: [true, true, false],
    amount: new Float64Array([5, 20, 0]),
    category: ['toys', 'books', 'toys'],
  }
  const r = ki3.customerFeatures(log, { asOf: 10, timeUnit: 's', families: ['category'] })
  assert.deepEqual(r.names, ['category_share_books', 'category_share_toys', 'top_category', 'category_entropy'])
  assert.deepEqual(r.columns.top_category, ['books', null])
  assertSameValues(r.columns.category_share_books, [0.8, NaN_])
  assertSameValues(r.columns.category_share_toys, [0.2, NaN_])
})

test('typed-array variants give identical results', () => {
  const base = tinyLog()
  const expected = ki3.customerFeatures(base, OPTS)
  const ids = [...base.customer].map(Number)
  const ts = [...base.timestamp].map(Number)
  const variants = {
    'customer BigInt64Array': { customer: BigInt64Array.from(ids, BigInt) },
    'customer Uint32Array': { customer: Uint32Array.from(ids) },
    'customer Int32Array': { customer: Int32Array.from(ids) },
    'customer Float64Array': { customer: Float64Array.from(ids) },
    'timestamp Float64Array': { timestamp: Float64Array.from(ts) },
    'purchase boolean[]': { purchase: [...base.purchase].map((p) => p === 1) },
    'channel Int32Array': { channel: Int32Array.from(base.channel) },
    'subarray views': {
      customer: new BigUint64Array([9n, ...base.customer, 9n]).subarray(1, 7),
      amount: new Float64Array([-1, ...base.amount]).subarray(1),
    },
  }
  for (const [label, change] of Object.entries(variants)) {
    assertSameFeatures(ki3.customerFeatures({ ...base, ...change }, OPTS), expected, label)
  }
  // Session ids in every accepted type.
  const session = [1, 1, 2, 3, 4, 5]
  const withSession = ki3.customerFeatures({ ...base, session: BigUint64Array.from(session, BigInt) }, OPTS)
  assert.ok(withSession.names.includes('events_per_session'))
  assertSameValues(withSession.columns.events_per_session, [4 / 3, 1])
  for (const s of [Float64Array.from(session), Uint32Array.from(session), Int32Array.from(session)]) {
    assertSameFeatures(ki3.customerFeatures({ ...base, session: s }, OPTS), withSession, s.constructor.name)
  }
})

test('time units and Date asOf', () => {
  const base = tinyLog()
  const expected = ki3.customerFeatures(base, OPTS)
  const secs = [...base.timestamp]
  const asOf = new Date(10 * DAY * 1000)
  const cases = [
    [{ timestamp: Float64Array.from(secs, (s) => Number(s) * 1000) }, { asOf }], // default "ms"
    [{ timestamp: BigInt64Array.from(secs, (s) => s * 1000n) }, { asOf: BigInt(10 * DAY * 1000), timeUnit: 'ms' }],
    [{ timestamp: BigInt64Array.from(secs, (s) => s * 1000000n) }, { asOf, timeUnit: 'us' }],
    [{ timestamp: BigInt64Array.from(secs, (s) => s * 1000000000n) }, { asOf, timeUnit: 'ns' }],
    [{}, { asOf, timeUnit: 's' }],
  ]
  for (const [change, opts] of cases) {
    assertSameFeatures(
      ki3.customerFeatures({ ...base, ...change }, { windows: OPTS.windows, ...opts }),
      expected,
      JSON.stringify(opts, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    )
  }
  // A Date is floored to the unit: 10 days + 999 ms is still day 10 in seconds.
  const floored = ki3.customerFeatures(base, { ...OPTS, asOf: new Date(10 * DAY * 1000 + 999) })
  assertSameFeatures(floored, expected, 'floored Date')
})

test('historicalFeatures: point-in-time rows, hand-computed', () => {
  const labels = {
    customer: new BigUint64Array([1n, 1n, 2n, 3n]),
    labelTime: new BigInt64Array([5 * DAY, 10 * DAY, 0, 10 * DAY].map(BigInt)),
  }
  const opts = { timeUnit: 's', windows: [7], families: ['core', 'windows'] }
  const r = ki3.historicalFeatures(tinyLog(), labels, opts)
  assert.deepEqual([...r.customer], [1n, 1n, 2n, 3n])
  const expected = {
    recency_days: [1, 2, NaN_, NaN_],
    tenure_days: [5, 10, NaN_, NaN_],
    purchases: [2, 3, 0, 0],
    purchase_days: [2, 3, 0, 0],
    monetary_total: [40, 60, 0, 0],
    monetary_mean: [20, 20, NaN_, NaN_],
    monetary_max: [30, 30, NaN_, NaN_],
    interpurchase_mean_days: [4, 4, NaN_, NaN_],
    interpurchase_std_days: [NaN_, 0, NaN_, NaN_],
    purchases_7d: [2, 2, 0, 0],
    revenue_7d: [40, 50, 0, 0],
    events_7d: [3, 2, 0, 0],
  }
  assert.deepEqual(r.names, Object.keys(expected))
  for (const [name, values] of Object.entries(expected)) assertSameValues(r.columns[name], values, name)

  // The label at asOf equals the one-shot row.
  const one = ki3.customerFeatures(tinyLog(), { asOf: 10 * DAY, ...opts })
  for (const name of one.names) assert.ok(Object.is(r.columns[name][1], one.columns[name][0]), name)

  // Options are optional (default unit "ms"): same log in ms.
  const ms = { ...tinyLog(), timestamp: BigInt64Array.from(tinyLog().timestamp, (t) => t * 1000n) }
  const labelsMs = { customer: labels.customer, labelTime: Float64Array.from(labels.labelTime, (t) => Number(t) * 1000) }
  const dflt = ki3.historicalFeatures(ms, labelsMs)
  assertSameValues(dflt.columns.purchases, [2, 3, 0, 0])
})

test('historicalFeatures: string ids shared between events and labels', () => {
  const log = { ...tinyLog(), customer: ['bob', 'bob', 'bob', 'bob', 'bob', 'alice'] }
  const r = ki3.historicalFeatures(
    log,
    { customer: ['bob', 'carol', 'alice'], labelTime: new Float64Array([10 * DAY, 10 * DAY, 10 * DAY]) },
    { timeUnit: 's', families: ['core'] },
  )
  assert.deepEqual(r.customer, ['bob', 'carol', 'alice'])
  assertSameValues(r.columns.purchases, [3, 0, 0])
  assertSameValues(r.columns.tenure_days, [10, NaN_, 1])
})

test('async twins equal their sync versions', async () => {
  const shop = ki3.syntheticShop({ nCustomers: 300, seed: 3, eventsPerCustomer: 8 })
  const asOf = new Date('2024-10-01T00:00:00Z')
  const opts = { asOf, timeUnit: 's', windows: [7, 30] }
  assertSameFeatures(await ki3.customerFeaturesAsync(shop, opts), ki3.customerFeatures(shop, opts), 'customer')

  const labels = {
    customer: shop.customer.subarray(0, 200),
    labelTime: shop.timestamp.subarray(0, 200),
  }
  const hopts = { timeUnit: 's', windows: [7] }
  assertSameFeatures(
    await ki3.historicalFeaturesAsync(shop, labels, hopts),
    ki3.historicalFeatures(shop, labels, hopts),
    'historical',
  )
  // Several tasks in flight at once.
  const many = await Promise.all([1, 2, 3].map(() => ki3.customerFeaturesAsync(shop, opts)))
  for (const r of many) assertSameFeatures(r, many[0], 'concurrent')
})

test('async inputs are copied: mutating after the call does not change the result', async () => {
  const log = tinyLog()
  const expected = ki3.customerFeatures(log, OPTS)
  const pending = ki3.customerFeaturesAsync(log, OPTS)
  log.amount.fill(1e6)
  log.customer.fill(7n)
  assertSameFeatures(await pending, expected, 'copied')
})
