// Uplift meta-learners fitted and saved in Python (python-tests/make_node_fixtures.py) load in
// Node and predict bit-identically; bad input throws InvalidArg errors naming the argument.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { assertSameValues, ki3 } from './_helpers.mjs'

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/uplift_models_python.json', import.meta.url), 'utf8'),
)
const x = new Float64Array(fixture.x)
const CLASSES = ['SLearner', 'TLearner', 'XLearner', 'ClassTransformation', 'TransformedOutcome']

test('every meta-learner saved in Python predicts bit-identically in Node', () => {
  assert.deepEqual(Object.keys(fixture.models), CLASSES)
  for (const name of CLASSES) {
    const { json, predict } = fixture.models[name]
    const model = ki3.load(json)
    assert.ok(model instanceof ki3[name], name)
    assert.deepEqual(model.arms, ['email', 'sms'])
    assert.equal(model.control, 'none')
    assert.equal(model.nFeatures, 3)
    const got = model.predict(x, fixture.n_cols)
    assert.ok(got instanceof Float64Array)
    assertSameValues(got, predict, name)
    const again = ki3[name].fromJson(json)
    assertSameValues(again.predict(x, 3), predict, `${name}.fromJson`)
    assert.equal(again.toJson(), json)
  }
})

test('predictAsync gives the same values', async () => {
  const { json, predict } = fixture.models.XLearner
  const got = await ki3.load(json).predictAsync(x, 3)
  assertSameValues(got, predict, 'predictAsync')
})

test('bad input throws errors naming the argument', () => {
  const { json } = fixture.models.TLearner
  const model = ki3.load(json)
  const throws = (fn, re) => assert.throws(fn, (e) => e instanceof Error && re.test(e.message))
  throws(() => model.predict(x, 5), /x columns: length 5 does not match/)
  throws(() => model.predict(new Float64Array(7), 3), /x: length 7 is not a multiple of nCols 3/)
  throws(() => model.predict(x, 0), /nCols: must be a whole number/)
  throws(() => model.predict(x, 1.5), /nCols: must be a whole number/)
  throws(() => model.predict(x, '3'), /nCols: expected a number, got string/)
  throws(() => model.predict([1, 2, 3], 3), /x: /)
  throws(() => model.predict(new Float64Array([1, NaN, 3]), 3), /x: non-finite value/)
  throws(() => ki3.XLearner.fromJson(json), /json: the saved model is a TLearner, not a XLearner/)
  throws(() => ki3.load(json.replace('"arms":["email","sms"]', '"arms":["email"]')), /corrupt/)
  assert.equal(model.predict(new Float64Array(0), 3).length, 0)
})
