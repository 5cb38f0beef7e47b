// Long async work: AbortSignal aborts it (an AbortError with code "Cancelled"), onProgress
// follows it, and the simulate step cap comes from the core.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { ki3 } from './_helpers.mjs'

const f64 = (...v) => new Float64Array(v)

/** Many arms: a million steps take seconds, far beyond the abort. */
function longRun() {
  const arms = Array.from({ length: 500 }, (_, i) => `arm${i}`)
  const rates = Float64Array.from(arms, (_, i) => 0.01 + (0.49 * i) / arms.length)
  return { policy: new ki3.BernoulliTS({ arms, seed: 3 }), options: { rates, steps: 1_000_000, seed: 1 } }
}

function assertAbortError(err) {
  assert.ok(err instanceof Error, `${err}`)
  assert.equal(err.name, 'AbortError')
  assert.equal(err.code, 'Cancelled')
  return true
}

test('an AbortSignal aborts a running simulateAsync; the policy is unchanged', async () => {
  const { policy, options } = longRun()
  const json = policy.toJson()
  const controller = new AbortController()
  let reports = 0
  const running = ki3.simulateAsync(policy, options, {
    signal: controller.signal,
    onProgress: () => { reports += 1 },
  })
  setTimeout(() => controller.abort(), 200)
  await assert.rejects(running, assertAbortError)
  assert.equal(policy.toJson(), json)
  assert.ok(reports >= 0)
})

test('an already aborted signal rejects at once', async () => {
  const { policy, options } = longRun()
  await assert.rejects(ki3.simulateAsync(policy, options, { signal: AbortSignal.abort() }), assertAbortError)
  const log = { arms: ['arm1', 'arm2'], rewards: f64(1, 0) }
  await assert.rejects(ki3.replayAsync(policy, log, { signal: AbortSignal.abort() }), assertAbortError)
})

test('onProgress reports (done, total) and the results do not change', async () => {
  const policy = { arms: 3, seed: 4 }
  const opts = { rates: [0.2, 0.5, 0.4], steps: 300_000, seed: 8 }
  const calls = []
  const controller = new AbortController()
  const r = await ki3.simulateAsync(policy, opts, {
    signal: controller.signal,
    onProgress: (done, total) => calls.push([done, total]),
  })
  assert.deepEqual(r, ki3.simulate(policy, opts))
  // Reports are queued on the event loop: let them arrive.
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.ok(calls.length >= 1)
  for (const [done, total] of calls) assert.ok(total === 300_000 && done >= 0 && done <= total)
  assert.deepEqual(calls.at(-1), [300_000, 300_000])
  // Aborting after completion changes nothing.
  controller.abort()

  const ts = new ki3.BernoulliTS({ arms: ['a', 'b'], seed: 1 })
  const log = { arms: ['a', 'b', 'a', 'a'], rewards: f64(1, 0, 1, 0) }
  const seen = []
  const replayed = await ki3.replayAsync(ts, log, { onProgress: (d, t) => seen.push([d, t]) })
  assert.deepEqual(replayed, ki3.replay(ts, log))
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.deepEqual(seen.at(-1), [4, 4])
  // No control, or an empty one, is the plain async call.
  assert.deepEqual(await ki3.replayAsync(ts, log, {}), replayed)
  assert.deepEqual(await ki3.replayAsync(ts, log, undefined), replayed)
})

test('a bad control argument rejects, naming it', async () => {
  const policy = { arms: 3, seed: 4 }
  const opts = { rates: [0.2, 0.5, 0.4], steps: 10, seed: 8 }
  await assert.rejects(ki3.simulateAsync(policy, opts, 'x'), /control/)
  await assert.rejects(ki3.simulateAsync(policy, opts, { signal: {} }), /signal/)
})

test('the step cap is the core one: a clean error in sync and async calls', async () => {
  const policy = { arms: 2, seed: 1 }
  const opts = { rates: [0.1, 0.2], steps: 2 ** 40, seed: 1 }
  assert.throws(() => ki3.simulate(policy, opts), (e) => e.code === 'InvalidArg' && /steps/.test(e.message))
  await assert.rejects(ki3.simulateAsync(policy, opts), (e) => e.code === 'InvalidArg' && /steps/.test(e.message))
})
