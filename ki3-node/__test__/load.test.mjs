// ki3.load: any saved ki3 JSON (Python, Node, Rust) -> an instance of its class, through the
// core's one load; corrupt states throw InvalidArg Errors, never crash.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { ki3 } from './_helpers.mjs'

const f64 = (...v) => new Float64Array(v)

function states() {
  const b = new ki3.BernoulliTS({ arms: ['a', 'b', 'c'], seed: 3 })
  b.update('b', 1)
  const g = new ki3.GaussianTS({ arms: ['x', 'y'], seed: 4 })
  g.update('y', 2.5)
  const l = new ki3.LinearTS({ arms: ['p', 'q'], nFeatures: 2, seed: 5 })
  l.update('q', 1, f64(0.5, -1))
  const a = new ki3.FeatureAggregator()
  return [b, g, l, a]
}

test('load returns an instance of every saved class, with the same state and decisions', () => {
  const classes = [ki3.BernoulliTS, ki3.GaussianTS, ki3.LinearTS, ki3.FeatureAggregator]
  for (const [obj, cls] of states().map((s, i) => [s, classes[i]])) {
    const back = ki3.load(obj.toJson())
    assert.ok(back instanceof cls, cls.name)
    assert.equal(back.toJson(), obj.toJson(), cls.name)
    if (cls === ki3.BernoulliTS || cls === ki3.GaussianTS) {
      for (let i = 0; i < 20; i++) assert.equal(back.choose(), obj.choose())
    }
    if (cls === ki3.LinearTS) {
      for (let i = 0; i < 20; i++) {
        assert.equal(back.choose({ context: f64(0.1, 0.2) }), obj.choose({ context: f64(0.1, 0.2) }))
      }
    }
  }
})

test('load rejects corrupt states with InvalidArg errors', () => {
  for (const obj of states()) {
    const text = obj.toJson()
    const doc = JSON.parse(text)
    const bad = [
      text.slice(0, text.length >> 1), '', '[]', 'null',
      JSON.stringify({ ...doc, kind: 'Nope' }),
      JSON.stringify({ ...doc, kind: 7 }),
      JSON.stringify({ ...doc, version: 99 }),
      JSON.stringify({ ...doc, format: 'other' }),
      ...Object.keys(doc.state).map((k) => JSON.stringify({ ...doc, state: { ...doc.state, [k]: 'wrong type' } })),
    ]
    for (const b of bad) {
      assert.throws(() => ki3.load(b), (err) => {
        assert.ok(err instanceof Error)
        assert.equal(err.code, 'InvalidArg', `${b.slice(0, 60)}: ${err.code}`)
        assert.match(err.message, /corrupt saved state/)
        return true
      })
    }
  }
  assert.throws(() => ki3.load(42), /json/)
})

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const PY_STATE = `${FIXTURES}bandit_python.json`
const PY_DECISIONS = `${FIXTURES}bandit_python_decisions.json`
const PY_AGG = `${FIXTURES}aggregator_python.json`

test('a BernoulliTS saved by Python, loaded with ki3.load, makes the same decisions', (t) => {
  if (!existsSync(PY_STATE) || !existsSync(PY_DECISIONS)) {
    t.skip('fixtures not found; the Python tests write them')
    return
  }
  const ts = ki3.load(readFileSync(PY_STATE, 'utf8'))
  assert.ok(ts instanceof ki3.BernoulliTS)
  const expected = JSON.parse(readFileSync(PY_DECISIONS, 'utf8')).next_choices
  assert.equal(expected.length, 100)
  assert.deepEqual(Array.from({ length: 100 }, () => ts.choose()), expected)
  if (existsSync(PY_AGG)) {
    const agg = ki3.load(readFileSync(PY_AGG, 'utf8'))
    assert.ok(agg instanceof ki3.FeatureAggregator)
    assert.equal(agg.toJson(), ki3.FeatureAggregator.fromJson(readFileSync(PY_AGG, 'utf8')).toJson())
  }
})
