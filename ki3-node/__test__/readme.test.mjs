// The README's Node quickstart runs as written (with the require path pointed at this package).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = resolve(here, '..')
const readme = resolve(packageDir, '..', 'README.md')

/** Runs the ```js block under the README heading `Quickstart: <title>` and returns its output. */
function runQuickstart(t, title) {
  if (!existsSync(readme)) {
    t.skip(`${readme} not found`)
    return null
  }
  const text = readFileSync(readme, 'utf8')
  const escaped = title.replace(/[()]/g, '\\$&')
  const heading = text.search(new RegExp(`^#+\\s*Quickstart: ${escaped}\\s*$`, 'm'))
  assert.ok(heading >= 0, `README.md has no 'Quickstart: ${title}' heading`)
  const block = /^```js\s*\n([\s\S]*?)^```/m.exec(text.slice(heading))
  assert.ok(block, `no \`\`\`js block under 'Quickstart: ${title}'`)
  const code = block[1].replace("require('./ki3-node')", `require(${JSON.stringify(packageDir)})`)
  const file = join(mkdtempSync(join(tmpdir(), 'ki3-readme-')), 'quickstart.cjs')
  writeFileSync(file, code)
  return execFileSync(process.execPath, [file], { encoding: 'utf8' })
}

test('README bandit quickstart runs', (t) => {
  const out = runQuickstart(t, 'bandits (Node)')
  if (out === null) return
  assert.match(out, /same stream: true/)
})

test('README Node quickstart runs', (t) => {
  const out = runQuickstart(t, 'Node')
  if (out === null) return
  assert.match(out, /async equals sync: true/)
  assert.match(out, /aggregator equals one-shot: true/)
  assert.match(out, /InvalidArg amount: length 3 does not match customer length/)
})
