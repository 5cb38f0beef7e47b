// Sparse JS arrays can claim 2^32 - 1 elements: reading them must throw, not abort the process
// on a giant up-front allocation.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const ki3 = createRequire(import.meta.url)('..')
const huge = () => new Array(2 ** 32 - 1)
const one = { customer: new BigUint64Array(1), timestamp: new Float64Array(1) }

test('huge sparse arrays in columns and options throw an Error naming the argument', () => {
  const cases = [
    [{ customer: huge(), timestamp: new Float64Array(1) }, { asOf: 0 }, /customer/],
    [{ ...one, channel: huge() }, { asOf: 0 }, /channel/],
    [{ ...one, category: huge() }, { asOf: 0 }, /category/],
    [{ ...one, purchase: huge() }, { asOf: 0 }, /purchase/],
    [one, { asOf: 0, windows: huge() }, /windows/],
    [one, { asOf: 0, families: huge() }, /families/],
  ]
  for (const [events, options, pattern] of cases) {
    assert.throws(() => ki3.customerFeatures(events, options), pattern)
  }
  const agg = new ki3.FeatureAggregator()
  agg.update(one, { timeUnit: 's' })
  assert.throws(() => agg.finish({ asOf: 0, windows: huge() }), /windows/)
})

test('ordinary JS arrays still work for string columns and options', () => {
  const out = ki3.customerFeatures(
    { customer: ['a', 'b'], timestamp: new Float64Array([1, 2]), channel: ['x', 'y'], purchase: [true, false] },
    { asOf: 5, windows: [7], families: ['core', 'channel'] },
  )
  assert.deepEqual(out.customer, ['a', 'b'])
  assert.deepEqual(out.columns.preferred_channel, ['x', 'y'])
})
