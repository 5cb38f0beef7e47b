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
  // The legacy Python wrapper (FeatureAggregator.to_json() before version 2) is not a core state.
  const wrapper = JSON.stringify({ format: 'ki3-py', kind: 'FeatureAggregator', version: 1, aggregator: good })
  assertThrowsNaming(() => ki3.FeatureAggregator.fromJson(wrapper), 'corrupt saved state', 'core_json')
})

test('schema checks, strings into a numeric aggregator and self-merge throw; a rejected chunk changes nothing', () => {
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

const NAMED_STATE = `${FIXTURES}aggregator_python_named.json`
const NAMED_EXPECTED = `${FIXTURES}aggregator_python_named_features.json`

test('an aggregator with string ids and channels saved by Python finishes to the same features', (t) => {
  if (!existsSync(NAMED_STATE) || !existsSync(NAMED_EXPECTED)) {
    t.skip(`fixtures not found (${NAMED_STATE}, ${NAMED_EXPECTED}); the Python tests write them`)
    return
  }
  const text = readFileSync(NAMED_STATE, 'utf8')
  const doc = JSON.parse(text)
  assert.equal(doc.version, 2)
  assert.equal(doc.state.columns.customer, 'user')
  const expected = readExpected(JSON.parse(readFileSync(NAMED_EXPECTED, 'utf8')))
  assert.equal(typeof expected.customer[0], 'string')
  assert.ok(expected.names.includes('channel_share_email'))
  for (const agg of [ki3.FeatureAggregator.fromJson(text), ki3.load(text)]) {
    assert.ok(agg instanceof ki3.FeatureAggregator)
    assert.equal(agg.timeUnit, 's')
    const got = agg.finish({ asOf: expected.asOf, windows: expected.windows })
    assert.deepEqual([...got.customer], expected.customer, 'customer ids')
    assert.deepEqual(got.names, expected.names, 'column names')
    for (const name of expected.names) {
      const want = expected.columns[name]
      if (want.some((v) => typeof v === 'string')) assert.deepEqual([...got.columns[name]], want, name)
      else assertSameValues(got.columns[name], want.map((v) => (v === null ? Number.NaN : v)), name)
    }
    // Saved again unchanged (dictionaries and column names round-trip).
    assert.equal(agg.toJson(), text)
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

// --- string columns ---------------------------------------------------------------------------

/** The shop with string ids, channels and categories. */
function named(log, lo = 0, hi = log.customer.length) {
  const cut = slice(log, lo, hi)
  return {
    ...cut,
    customer: Array.from(cut.customer, (c) => `cust-${c}`),
    channel: Array.from(cut.channel, (c) => shop.channelNames[c]),
    category: Array.from(cut.category, (c) => shop.categoryNames[c]),
  }
}

test('string columns: chunks and merges (via JSON) equal customerFeatures on the strings', () => {
  const n = shop.customer.length
  const all = named(shop)
  const want = ki3.customerFeatures(all, { ...FINISH, timeUnit: 's' })
  assert.equal(typeof want.customer[0], 'string')
  assert.ok(want.names.includes(`channel_share_${shop.channelNames[0]}`))
  // Chunks from the end first: the dictionaries see names out of sorted order.
  const cuts = [n, n - 300, Math.floor(n / 2), 40, 0]
  const a = new ki3.FeatureAggregator()
  const b = new ki3.FeatureAggregator()
  for (let i = 0; i + 1 < cuts.length; i++) {
    ;(i % 2 === 0 ? a : b).update(named(shop, cuts[i + 1], cuts[i]), { timeUnit: 's' })
  }
  const doc = JSON.parse(a.toJson())
  assert.equal(doc.version, 2)
  assert.ok(doc.state.dictionaries.customer.length > 0)
  const ab = ki3.FeatureAggregator.fromJson(a.toJson())
  ab.merge(ki3.FeatureAggregator.fromJson(b.toJson()))
  for (const got of [ab.finish(FINISH), b.finish(FINISH) && (() => { b.merge(a); return b.finish(FINISH) })()]) {
    assert.deepEqual(got.customer, want.customer)
    assert.deepEqual(got.names, want.names)
    for (const name of want.names) {
      if (Array.isArray(want.columns[name])) assert.deepEqual(got.columns[name], want.columns[name], name)
      else assertSameValues(got.columns[name], want.columns[name], name)
    }
  }
  // Numbers where the aggregator holds strings: rejected, nothing changes.
  const before = ab.toJson()
  assertThrowsNaming(() => ab.update(slice(shop, 0, 5), { timeUnit: 's' }), 'customer', 'cannot be merged')
  const bad = named(shop, 0, 5)
  bad.customer[0] = 'brand-new'
  bad.amount = Float64Array.from(bad.amount)
  bad.amount[4] = -1
  assertThrowsNaming(() => ab.update(bad, { timeUnit: 's' }), 'amount', 'row 4')
  assert.equal(ab.toJson(), before)
})
