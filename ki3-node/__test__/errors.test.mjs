// Garbage in: every case throws (or rejects) an Error naming the column or parameter - never a
// crash, never a silent wrong answer.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { DAY, assertRejectsNaming, assertThrowsNaming, ki3, tinyLog } from './_helpers.mjs'

const OPTS = { asOf: 10 * DAY, timeUnit: 's' }
const log = tinyLog()
const with_ = (change) => ({ ...log, ...change })
const f64 = (...v) => new Float64Array(v)

/** [label, events, options, ...expected message parts] for customerFeatures. */
const FEATURE_CASES = [
  ['NaN amount', with_({ amount: f64(1, Number.NaN, 1, 1, 1, 1) }), OPTS, 'amount', 'row 1'],
  ['infinite amount', with_({ amount: f64(1, 1, Infinity, 1, 1, 1) }), OPTS, 'amount', 'row 2'],
  ['negative amount', with_({ amount: f64(1, 1, 1, -5, 1, 1) }), OPTS, 'amount', 'row 3', 'negative'],
  ['amount too short', with_({ amount: f64(1) }), OPTS, 'amount', 'length 1', 'customer length 6'],
  ['timestamp too long', with_({ timestamp: new BigInt64Array(7) }), OPTS, 'timestamp', 'length 7'],
  ['channel too short', with_({ channel: new Uint32Array(2) }), OPTS, 'channel', 'length 2'],
  ['session too short', with_({ session: new BigUint64Array(1) }), OPTS, 'session', 'length 1'],
  ['purchase too short', with_({ purchase: [true] }), OPTS, 'purchase', 'length 1'],
  ['amount is a string', with_({ amount: 'abc' }), OPTS, 'events.amount', 'Float64Array', 'string'],
  ['amount is a number[]', with_({ amount: [1, 2, 3, 4, 5, 6] }), OPTS, 'events.amount', 'Float64Array'],
  ['amount is a Float32Array', with_({ amount: new Float32Array(6) }), OPTS, 'events.amount', 'Float32Array'],
  ['customer is a number[]', with_({ customer: [1, 1, 1, 1, 1, 2] }), OPTS, 'events.customer'],
  ['customer is a number', with_({ customer: 5 }), OPTS, 'events.customer', 'number'],
  ['customer missing', { timestamp: log.timestamp }, OPTS, 'events.customer', 'missing'],
  ['timestamp missing', { customer: log.customer }, OPTS, 'events.timestamp', 'missing'],
  ['negative customer id', with_({ customer: new Int32Array([1, 1, -1, 1, 1, 2]) }), OPTS, 'customer', 'row 2', 'negative'],
  ['negative bigint id', with_({ customer: new BigInt64Array([1n, -3n, 1n, 1n, 1n, 2n]) }), OPTS, 'customer', 'row 1'],
  ['fractional customer id', with_({ customer: f64(1, 1, 1, 1.5, 1, 2) }), OPTS, 'customer', 'row 3'],
  ['NaN customer id', with_({ customer: f64(1, 1, 1, 1, Number.NaN, 2) }), OPTS, 'customer', 'row 4'],
  ['fractional timestamp', with_({ timestamp: f64(0, 1, 2.5, 3, 4, 5) }), OPTS, 'timestamp', 'row 2'],
  ['NaN timestamp', with_({ timestamp: f64(0, 1, 2, 3, 4, Number.NaN) }), OPTS, 'timestamp', 'row 5'],
  ['huge timestamp', with_({ timestamp: f64(0, 1, 2, 3, 1e300, 5) }), OPTS, 'timestamp', 'row 4'],
  ['purchase flag 2', with_({ purchase: new Uint8Array([1, 0, 2, 1, 1, 0]) }), OPTS, 'purchase', 'row 2'],
  ['purchase of numbers', with_({ purchase: [1, 0, 1, 1, 1, 0] }), OPTS, 'events.purchase'],
  ['negative channel', with_({ channel: new Int32Array([0, 1, -2, 0, 0, 0]) }), OPTS, 'channel', 'row 2'],
  ['channel of mixed types', with_({ channel: ['a', 1, 'b', 'c', 'd', 'e'] }), OPTS, 'events.channel'],
  ['session of strings', with_({ session: ['a', 'b', 'c', 'd', 'e', 'f'] }), OPTS, 'session', 'string'],
  ['events is null', null, OPTS, 'events', 'object'],
  ['events is a string', 'events', OPTS, 'events', 'object'],
  ['events is an array', [1, 2, 3], OPTS, 'events'],
  ['options missing', log, undefined, 'options', 'object'],
  ['asOf missing', log, { timeUnit: 's' }, 'options.asOf', 'missing'],
  ['asOf is a string', log, { asOf: '2024-01-01' }, 'options.asOf', 'number, bigint or Date'],
  ['asOf is NaN', log, { asOf: Number.NaN }, 'asOf'],
  ['asOf is fractional', log, { asOf: 1.5, timeUnit: 's' }, 'asOf', 'integer'],
  ['asOf is an invalid Date', log, { asOf: new Date('nope') }, 'asOf', 'invalid Date'],
  ['asOf bigint too large', log, { asOf: 2n ** 70n }, 'asOf', '64 bits'],
  ['unknown family', log, { ...OPTS, families: ['core', 'astrology'] }, 'families', 'astrology'],
  ['no families', log, { ...OPTS, families: [] }, 'families'],
  ['family without its column', log, { ...OPTS, families: ['session'] }, 'families', 'session'],
  ['families not an array', log, { ...OPTS, families: 'core' }, 'options.families'],
  ['bad timeUnit', log, { ...OPTS, timeUnit: 'fortnight' }, 'timeUnit', 'fortnight'],
  ['timeUnit not a string', log, { ...OPTS, timeUnit: 5 }, 'options.timeUnit'],
  ['window 0', log, { ...OPTS, windows: [0] }, 'windows'],
  ['negative window', log, { ...OPTS, windows: [-7] }, 'windows', '-7'],
  ['fractional window', log, { ...OPTS, windows: [1.5] }, 'windows'],
  ['duplicate windows', log, { ...OPTS, windows: [7, 7] }, 'windows', 'distinct'],
  ['windows not numbers', log, { ...OPTS, windows: ['7'] }, 'options.windows'],
]

test('customerFeatures: garbage inputs throw Errors naming the column or parameter', () => {
  for (const [label, events, options, ...parts] of FEATURE_CASES) {
    try {
      ki3.customerFeatures(events, options)
    } catch (err) {
      assert.ok(err instanceof Error, label)
      assert.equal(err.code, 'InvalidArg', `${label}: code ${err.code}`)
      for (const part of parts) {
        assert.ok(err.message.includes(part), `${label}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`)
      }
      continue
    }
    assert.fail(`${label}: did not throw`)
  }
})

test('customerFeaturesAsync: the same garbage rejects (never throws synchronously)', async () => {
  for (const [label, events, options, ...parts] of FEATURE_CASES) {
    let promise
    assert.doesNotThrow(() => { promise = ki3.customerFeaturesAsync(events, options) }, label)
    await assertRejectsNaming(promise, ...parts)
  }
})

test('an empty event log is valid input (empty result), not an error', () => {
  const empty = { customer: [], timestamp: new Float64Array(0), amount: new Float64Array(0) }
  const r = ki3.customerFeatures(empty, OPTS)
  assert.deepEqual(r.customer, [])
  const s = ki3.rfmSummary(empty, { observationEnd: 0 })
  assert.equal(s.customer.length, 0)
})

test('a throwing getter propagates its own Error', () => {
  const evil = { get customer() { throw new Error('boom') }, timestamp: log.timestamp }
  assert.throws(() => ki3.customerFeatures(evil, OPTS), /boom/)
})

test('historicalFeatures: label errors', () => {
  const labels = { customer: new BigUint64Array([1n, 2n]), labelTime: new BigInt64Array([5n, 6n]) }
  assertThrowsNaming(() => ki3.historicalFeatures(log, { ...labels, labelTime: new BigInt64Array(3) }, { timeUnit: 's' }),
    'labelTime', 'length 3')
  assertThrowsNaming(() => ki3.historicalFeatures(log, { customer: labels.customer }, { timeUnit: 's' }),
    'labels.labelTime', 'missing')
  assertThrowsNaming(() => ki3.historicalFeatures(log, { ...labels, customer: ['a', 'b'] }), 'labels.customer', 'string')
  assertThrowsNaming(() => ki3.historicalFeatures({ ...log, customer: ['a', 'a', 'a', 'a', 'a', 'b'] }, labels),
    'labels.customer', 'string')
  assertThrowsNaming(() => ki3.historicalFeatures(log, { ...labels, labelTime: f64(1.5, 2) }), 'labelTime', 'row 0')
  assertThrowsNaming(() => ki3.historicalFeatures(log), 'labels', 'object')
  assertThrowsNaming(() => ki3.historicalFeatures(log, labels, 'x'), 'options', 'object')
  assertThrowsNaming(() => ki3.historicalFeatures(log, labels, { families: ['x'] }), 'families')
})

test('rfmSummary / rfmScores: bad parameters and columns', async () => {
  assertThrowsNaming(() => ki3.rfmSummary(log, { observationEnd: 10 * DAY, timeUnit: 's', freq: 'Q' }), 'freq', 'Q')
  assertThrowsNaming(() => ki3.rfmSummary(log, { observationEnd: 1, freqMultiplier: 0 }), 'freqMultiplier')
  assertThrowsNaming(() => ki3.rfmSummary(log, { observationEnd: 1, freqMultiplier: 1.5 }), 'freqMultiplier')
  assertThrowsNaming(() => ki3.rfmSummary(log, {}), 'options.observationEnd', 'missing')
  assertThrowsNaming(() => ki3.rfmSummary(log, { observationEnd: 'soon' }), 'options.observationEnd')
  assertThrowsNaming(() => ki3.rfmSummary(with_({ amount: f64(1, 2) }), { observationEnd: 1 }), 'amount', 'length')
  await assertRejectsNaming(ki3.rfmSummaryAsync(log, { observationEnd: 1, freq: 'Q' }), 'freq')

  const ok = { frequency: f64(1, 2), recency: f64(1, 2), T: f64(3, 3), monetaryValue: f64(5, 6) }
  assertThrowsNaming(() => ki3.rfmScores({ ...ok, recency: f64(1) }), 'recency', 'length 1')
  assertThrowsNaming(() => ki3.rfmScores({ ...ok, T: f64(3) }), 'T', 'length 1')
  assertThrowsNaming(() => ki3.rfmScores({ ...ok, monetaryValue: f64(1, Number.NaN) }), 'monetaryValue', 'row 1')
  assertThrowsNaming(() => ki3.rfmScores({ ...ok, recency: f64(1, 4) }), 'recency', 'exceeds T')
  assertThrowsNaming(() => ki3.rfmScores({ ...ok, frequency: [1, 2] }), 'summary.frequency', 'Float64Array')
  // (no monetaryValue and empty input are valid: see hardening.test.mjs)
  assertThrowsNaming(() => ki3.rfmScores(ok, 1), 'bins')
  assertThrowsNaming(() => ki3.rfmScores(ok, 101), 'bins')
  assertThrowsNaming(() => ki3.rfmScores(ok, 2.5), 'bins')
  assertThrowsNaming(() => ki3.rfmScores(ok, '5'), 'bins', 'number')
  assertThrowsNaming(() => ki3.rfmScores(), 'summary', 'object')
  await assertRejectsNaming(ki3.rfmScoresAsync(ok, '5'), 'bins')
  await assertRejectsNaming(ki3.rfmScoresAsync({ ...ok, T: f64(3) }), 'T')
})

test('syntheticShop: bad options', async () => {
  const cases = [
    [{ nCustomers: -1, seed: 1 }, 'nCustomers'],
    [{ nCustomers: 2.5, seed: 1 }, 'nCustomers'],
    [{ nCustomers: 10, seed: -1 }, 'seed'],
    [{ nCustomers: 10, seed: -1n }, 'seed'],
    [{ nCustomers: 10, seed: 'x' }, 'options.seed'],
    [{ nCustomers: 10 }, 'options.seed', 'missing'],
    [{ seed: 1 }, 'options.nCustomers', 'missing'],
    [{ nCustomers: 10, seed: 1, eventsPerCustomer: 0 }, 'eventsPerCustomer'],
    [{ nCustomers: 10, seed: 1, eventsPerCustomer: Number.NaN }, 'eventsPerCustomer'],
    [{ nCustomers: 10, seed: 1, days: 0 }, 'days'],
    [{ nCustomers: 1e9, seed: 1, eventsPerCustomer: 10 }, 'nCustomers'],
    [{ nCustomers: 10, seed: 1, start: 'today' }, 'options.start'],
  ]
  for (const [options, ...parts] of cases) {
    assertThrowsNaming(() => ki3.syntheticShop(options), ...parts)
    await assertRejectsNaming(ki3.syntheticShopAsync(options), ...parts)
  }
  assertThrowsNaming(() => ki3.syntheticShop(), 'options', 'object')
})

test('FeatureAggregator: bad arguments', async () => {
  const agg = new ki3.FeatureAggregator()
  assertThrowsNaming(() => agg.update(), 'events', 'object')
  assertThrowsNaming(() => agg.update(log, { timeUnit: 'weeks' }), 'timeUnit')
  assertThrowsNaming(() => agg.update(with_({ amount: 'x' })), 'events.amount')
  agg.update(log, { timeUnit: 's' })
  assertThrowsNaming(() => agg.finish(), 'options', 'object')
  assertThrowsNaming(() => agg.finish({}), 'options.asOf', 'missing')
  assertThrowsNaming(() => agg.finish({ asOf: 1, windows: [0] }), 'windows')
  assertThrowsNaming(() => agg.finish({ asOf: 1, families: ['nope'] }), 'families')
  await assertRejectsNaming(agg.finishAsync({ asOf: 1, families: ['nope'] }), 'families')
  await assertRejectsNaming(agg.finishAsync(null), 'options')
})

test('argument names follow the snake_case -> camelCase rule, with the code of the error kind', () => {
  // core "monetary_value" / "top_two" read as the Node option names, by rule (no table).
  const ok = { frequency: f64(1, 2), recency: f64(1, 2), T: f64(3, 3), monetaryValue: f64(5, 6) }
  assert.throws(() => ki3.rfmScores({ ...ok, monetaryValue: f64(1) }), (err) => {
    assert.equal(err.code, 'InvalidArg')
    assert.match(err.message, /^monetaryValue: length 1 does not match frequency length 2$/)
    return true
  })
  assert.throws(() => new ki3.BernoulliTS({ arms: ['a', 'b'], topTwo: 2 }), (err) => {
    assert.equal(err.code, 'InvalidArg')
    assert.ok(err.message.includes('topTwo'), err.message)
    assert.ok(!err.message.includes('top_two'), err.message)
    return true
  })
})

test('uplift metrics: garbage in any argument throws an InvalidArg Error (or is valid)', () => {
  const y = f64(1, 0, 0, 0)
  const u = f64(0.4, 0.1, 0.3, 0.2)
  const t = f64(1, 1, 0, 0)
  const garbage = [undefined, null, 5, -1, Number.NaN, 'x', true, [], [1, 0, 1, 0], {}, f64(),
    f64(1, 2, 3), f64(Number.NaN, 0, 1, 0), new Int32Array(4), new Float32Array(4), 10n, Symbol('s'),
    { strategy: 5 }, { strategy: 'overall', k: 'x' }, { group: 'x' }, { bins: -2 }, { convention: 1 }]
  const entry = {
    qiniCurve: [y, u, t, {}], upliftCurve: [y, u, t, {}], perfectQiniCurve: [y, t, {}],
    perfectUpliftCurve: [y, t], randomQiniCurve: [y, t], randomUpliftCurve: [y, t],
    qiniAucScore: [y, u, t, {}], upliftAucScore: [y, u, t], qiniScore: [y, u, t, {}],
    auucScore: [y, u, t, {}], upliftAtK: [y, u, t, { strategy: 'overall', k: 2 }],
    responseRateByPercentile: [y, u, t, { group: 'control', bins: 2 }],
    upliftByPercentile: [y, u, t, { bins: 2 }], weightedAverageUplift: [y, u, t, { bins: 2 }],
  }
  let thrown = 0
  for (const [name, args] of Object.entries(entry)) {
    ki3[name](...args) // the valid call works
    for (let pos = 0; pos < args.length; pos++) {
      for (const value of garbage) {
        const bad = [...args]
        bad[pos] = value
        try {
          ki3[name](...bad)
        } catch (err) {
          assert.ok(err instanceof Error, `${name}[${pos}]: ${err}`)
          assert.equal(err.code, 'InvalidArg', `${name}[${pos}] = ${String(value)}: ${err.message}`)
          thrown++
        }
      }
    }
  }
  assert.ok(thrown > 500, `${thrown}`)
})
