// Shared helpers of the Node tests (not a test file itself).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
/** The package under test, loaded through its entry point (index.js). */
export const ki3 = require('..')

export const DAY = 86400

/** Element-wise equality with Object.is (NaN equals NaN, 0 and -0 differ): bit-for-bit. */
export function assertSameValues(actual, expected, message = '') {
  assert.equal(actual.length, expected.length, `${message}: length`)
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${message}[${i}]: got ${String(actual[i])}, expected ${String(expected[i])}`)
    }
  }
}

/** Two feature results are identical: same customers, names, and every value bit-for-bit. */
export function assertSameFeatures(actual, expected, message = 'features') {
  assertSameValues(actual.customer, expected.customer, `${message}.customer`)
  assert.deepEqual(actual.names, expected.names, `${message}.names`)
  assert.deepEqual(Object.keys(actual.columns), expected.names, `${message}.columns keys`)
  for (const name of expected.names) {
    assertSameValues(actual.columns[name], expected.columns[name], `${message}.columns.${name}`)
  }
}

/** Asserts that `fn` throws an Error (not a crash) whose message contains every `parts`. */
export function assertThrowsNaming(fn, ...parts) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, `expected an Error, got ${err}`)
    for (const part of parts) {
      assert.ok(err.message.includes(part), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`)
    }
    return true
  })
}

/** Asserts that a promise rejects with an Error whose message contains every `parts`. */
export async function assertRejectsNaming(promise, ...parts) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error, `expected an Error, got ${err}`)
    for (const part of parts) {
      assert.ok(err.message.includes(part), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`)
    }
    return true
  })
}

/**
 * A tiny hand-checked log (timeUnit "s"), as of day 10:
 * customer 1: purchase day 0 ($10, ch 0); page view day 1 + 1h (ch 1); purchase day 4 ($30,
 * ch 0); purchase day 8 ($20, ch 1); purchase day 12 ($100, ch 2; after asOf, never counts).
 * customer 2: page view day 9 (ch 1).
 */
export function tinyLog() {
  return {
    customer: new BigUint64Array([1n, 1n, 1n, 1n, 1n, 2n]),
    timestamp: new BigInt64Array([0, DAY + 3600, 4 * DAY, 8 * DAY, 12 * DAY, 9 * DAY].map(BigInt)),
    amount: new Float64Array([10, 0, 30, 20, 100, 0]),
    purchase: new Uint8Array([1, 0, 1, 1, 1, 0]),
    channel: new Uint32Array([0, 1, 0, 1, 2, 1]),
  }
}

/**
 * Damaged versions of the saved state `text`, by label: broken JSON and envelope damage that
 * every kind must refuse, plus `edits` (a label and either a function that damages a parsed
 * copy, or a ready string).
 */
export function corruptStates(text, edits) {
  const good = JSON.parse(text)
  const edit = (f) => {
    const d = structuredClone(good)
    f(d)
    return JSON.stringify(d)
  }
  const cases = {
    'not JSON': '{',
    'empty string': '',
    null: 'null',
    array: '[]',
    'missing state': edit((d) => { delete d.state }),
    truncated: text.slice(0, 100),
  }
  for (const [label, damage] of Object.entries(edits)) {
    cases[label] = typeof damage === 'function' ? edit(damage) : damage
  }
  return cases
}

/**
 * Path of `../shared/data/<rel>` (relative to the repository root), or null after logging why
 * when the shared reference folder is absent (a fresh clone has none). Tests skip on null.
 */
export function sharedData(rel) {
  const root = fileURLToPath(new URL('../../../shared/data/', import.meta.url))
  if (!existsSync(root)) {
    console.log(`skipping: shared reference data not found at ${root}`)
    return null
  }
  return join(root, rel)
}
