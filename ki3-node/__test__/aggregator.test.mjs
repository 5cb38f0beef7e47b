// FeatureAggregator: chunks + merge = one shot (bit for bit), JSON round trip, corrupt input,
// and states saved by Python.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { assertSameFeatures, assertSameValues, assertThrowsNaming, corruptStates, ki3 } from './_helpers.mjs'

const COLUMNS = ['customer', 'timestamp', 'amount', 'purchase', 'channel', 'category', 'session']
const AS_OF = new Date('2024-09-15T12:00:00Z')
const FINISH = { asOf: AS_OF, windows: [7, 30, 90] }

function slice(log, lo, hi) {
  return Object.fromEntries(COLUMNS.map((k) => [k, log[k].subarray(lo, hi)]))
}

const shop = ki3.syntheticShop({ nCustomers: 400, seed: 7, eventsPerCustomer: 12 })
const whole = ki3.customerFeatures(shop, { ...FINISH, timeUnit: 's' })

test('chunks in two aggregators, merged (via JSON), equal customerFeatures bit for bit', () => {
  const n = shop.customer.length
  const cuts = [0, 17, Math.floor(n / 3), Math.floor(n / 2) + 5, n - 100, n]
  const a = new ki3.FeatureAggregator()
  const b = new ki3.FeatureAggregator()
  assert.equal(a.nEvents, 0)
  assert.equal(a.timeUnit, null)
  for (let i = 0; i + 1 < cuts.length; i++) {
    ;(i % 2 === 0 ? a : b).update(slice(shop, cuts[i], cuts[i + 1]), { timeUnit: 's' })
  }
  assert.equal(a.timeUnit, 's')
  const bLoaded = ki3.FeatureAggregator.fromJson(b.toJson())
  assert.equal(bLoaded.nEvents, b.nEvents)

  const ab = ki3.FeatureAggregator.fromJson(a.toJson())
  ab.merge(bLoaded)
  assert.equal(ab.nEvents, n)
  assertSameFeatures(ab.finish(FINISH), whole, 'a + b')

  // The other merge order, and merging an empty aggregator (the identity).
  const ba = ki3.FeatureAggregator.fromJson(b.toJson())
  ba.merge(a)
  ba.merge(new ki3.FeatureAggregator())
  assertSameFeatures(ba.finish(FINISH), whole, 'b + a')
  const empty = new ki3.FeatureAggregator()
  empty.merge(ab)
  assertSameFeatures(empty.finish(FINISH), whole, 'empty + ab')
})

test('finishAsync equals finish; finish takes numbers, bigints and Dates', async () => {
  const agg = new ki3.FeatureAggregator()
  agg.update(shop, { timeUnit: 's' })
  assertSameFeatures(await agg.finishAsync(FINISH), whole, 'async')
  // finishAsync works on a copy: the aggregator takes more chunks (and finishes) meanwhile, and
  // the pending result is the one of the state when it was called.
  const copy = ki3.FeatureAggregator.fromJson(agg.toJson())
  const pending = copy.finishAsync(FINISH)
  copy.update(shop, { timeUnit: 's' })
  assert.equal(copy.nEvents, 2 * agg.nEvents)
  assert.ok(copy.finish(FINISH))
  assertSameFeatures(await pending, whole, 'async during updates')
  const secs = AS_OF.getTime() / 1000
  assertSameFeatures(agg.finish({ ...FINISH, asOf: secs }), whole, 'number')
  assertSameFeatures(agg.finish({ ...FINISH, asOf: BigInt(secs) }), whole, 'bigint')
  const core = agg.finish({ asOf: secs, families: ['core'] })
  assert.ok(!core.names.includes('events_7d'))
})

test('toJson / fromJson round trip is exact', () => {
  const agg = new ki3.FeatureAggregator()
  agg.update(slice(shop, 0, 1000), { timeUnit: 's' })
  const json = agg.toJson()
  const doc = JSON.parse(json)
  assert.equal(doc.format, 'ki3')
  assert.equal(doc.kind, 'FeatureAggregator')
  const back = ki3.FeatureAggregator.fromJson(json)
  assert.equal(back.toJson(), json)
  assertSameFeatures(back.finish(FINISH), agg.finish(FINISH), 'round trip')
  // An empty state round-trips too.
  const empty = ki3.FeatureAggregator.fromJson(new ki3.FeatureAggregator().toJson())
  assert.equal(empty.nEvents, 0)
})

test('corrupt JSON and the wrong kind throw Errors', () => {
  const agg = new ki3.FeatureAggregator()
  agg.update(slice(shop, 0, 50), { timeUnit: 's' })
  const good = JSON.parse(agg.toJson())
  const cases = corruptStates(agg.toJson(), {
    'wrong kind': (d) => { d.kind = 'BernoulliTS' },
    'wrong format': (d) => { d.format = 'pickle' },
    'future version': (d) => { d.version = 99 },
    'length mismatch': (d) => { d.state.timestamp.pop() },
    'negative amount': (d) => { d.state.amount[0] = -1 },
    'string customer': (d) => { d.state.customer[0] = 'x' },
    'unknown unit': (d) => { d.state.unit = 'fortnights' },
  })
  for (const [label, text] of Object.entries(cases)) {
    assertThrowsNaming(() => ki3.FeatureAggregator.fromJson(text), 'corrupt saved state')
    assert.ok(label)
  }
  assertThrowsNaming(() => ki3.FeatureAggregator.fromJson(42), 'json', 'string')
  assertThrowsNaming(() => ki3.FeatureAggregator.fromJson(), 'json')
  // The Python wrapper (FeatureAggregator.to_json()) is not the core state.
  const wrapper = JSON.stringify({ format: 'ki3-py', kind: 'FeatureAggregator', version: 1, aggregator: good })
  assertThrowsNaming(() => ki3.FeatureAggregator.fromJson(wrapper), 'corrupt saved state', 'core_json')
})

test('schema checks, string columns and self-merge throw; a rejected chunk changes nothing', () => {
  const agg = new ki3.FeatureAggregator()
  agg.update(slice(shop, 0, 100), { timeUnit: 's' })
  const { amount, ...noAmount } = slice(shop, 100, 200)
  assertThrowsNaming(() => agg.update(noAmount, { timeUnit: 's' }), 'events', 'amount')
  assertThrowsNaming(() => agg.update(slice(shop, 100, 200)), 'events', 'Milliseconds')
  const bad = slice(shop, 100, 200)
  bad.amount = Float64Array.from(bad.amount)
  bad.amount[3] = Number.NaN
  assertThrowsNaming(() => agg.update(bad, { timeUnit: 's' }), 'amount', 'row 3')
  assert.equal(agg.nEvents, 100)
  assertThrowsNaming(
    () => agg.update({ ...slice(shop, 0, 2), customer: ['a', 'b'] }, { timeUnit: 's' }),
    'customer', 'numeric',
  )
  assertThrowsNaming(
    () => agg.update({ ...slice(shop, 0, 2), channel: ['web', 'app'] }, { timeUnit: 's' }),
    'channel', 'numeric',
  )
  assert.throws(() => agg.merge(agg), Error)
  assert.throws(() => agg.merge({}), Error)
  assert.equal(agg.nEvents, 100)
  const other = new ki3.FeatureAggregator()
  other.update({ customer: new Uint32Array([1]), timestamp: new Float64Array([0]) }, { timeUnit: 's' })
  assertThrowsNaming(() => agg.merge(other), 'events')
  assert.equal(agg.nEvents, 100)
})

// --- states saved by Python -------------------------------------------------------------------

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const STATE = `${FIXTURES}aggregator_python.json`
const EXPECTED = `${FIXTURES}aggregator_python_features.json`

/** Reads the expected features written by Python, tolerating a few layouts. */
function readExpected(doc) {
  const asOf = doc.as_of ?? doc.asOf
  const windows = doc.windows ?? doc.windows_days
  let customer = doc.customer ?? doc.index ?? doc.customers
  let columns = doc.columns ?? doc.features
  if (Array.isArray(columns)) {
    // [{name, values}] or column names with a separate `data` object.
    columns = Object.fromEntries(columns.map((c) => (typeof c === 'string' ? [c, doc.data[c]] : [c.name, c.values])))
  }
  if (customer === undefined && columns && 'customer' in columns) {
    customer = columns.customer
    columns = Object.fromEntries(Object.entries(columns).filter(([k]) => k !== 'customer'))
  }
  const names = doc.names ?? Object.keys(columns)
  return { asOf, windows, customer, columns, names, families: doc.families ?? undefined }
}

test('an aggregator saved by Python finishes to exactly the features Python computed', (t) => {
  if (!existsSync(STATE) || !existsSync(EXPECTED)) {
    t.skip(`fixtures not found (${STATE}, ${EXPECTED}); the Python tests write them`)
    return
  }
  const agg = ki3.FeatureAggregator.fromJson(readFileSync(STATE, 'utf8'))
  const expected = readExpected(JSON.parse(readFileSync(EXPECTED, 'utf8')))
  assert.ok(agg.nEvents > 0)
  assert.equal(agg.timeUnit, 's')
  const opts = { asOf: typeof expected.asOf === 'string' ? BigInt(expected.asOf) : expected.asOf }
  if (expected.windows) opts.windows = expected.windows
  if (expected.families) opts.families = expected.families
  const got = agg.finish(opts)

  assert.deepEqual([...got.customer].map(String), expected.customer.map(String), 'customer ids')
  assert.deepEqual(got.names, expected.names, 'column names')
  for (const name of expected.names) {
    const want = expected.columns[name].map((v) => (v === null ? Number.NaN : v))
    assertSameValues(got.columns[name], want, name)
  }
})

test('toJson output is what Rust and Python load (the envelope is stable)', () => {
  const agg = new ki3.FeatureAggregator()
  agg.update({
    customer: new BigUint64Array([3n, 1n]),
    timestamp: new BigInt64Array([5n, 9n]),
    amount: new Float64Array([0.1, 2.5]),
  }, { timeUnit: 's' })
  const doc = JSON.parse(agg.toJson())
  assert.deepEqual(Object.keys(doc).sort(), ['format', 'kind', 'state', 'version'])
  assert.equal(doc.version, 1)
  assert.equal(doc.state.unit, 'seconds')
  assertSameValues(doc.state.amount, [0.1, 2.5])
  assert.deepEqual(doc.state.customer, [3, 1])
})
