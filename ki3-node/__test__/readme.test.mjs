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

test('README Node quickstart runs', (t) => {
  if (!existsSync(readme)) {
    t.skip(`${readme} not found`)
    return
  }
  const text = readFileSync(readme, 'utf8')
  const heading = text.search(/^#+\s*Quickstart: Node\s*$/m)
  assert.ok(heading >= 0, "README.md has no 'Quickstart: Node' heading")
  const block = /^```js\s*\n([\s\S]*?)^```/m.exec(text.slice(heading))
  assert.ok(block, 'no ```js block under the Node quickstart heading')
  const code = block[1].replace("require('./ki3-node')", `require(${JSON.stringify(packageDir)})`)
  const file = join(mkdtempSync(join(tmpdir(), 'ki3-readme-')), 'quickstart.cjs')
  writeFileSync(file, code)
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' })
  assert.match(out, /async equals sync: true/)
  assert.match(out, /aggregator equals one-shot: true/)
  assert.match(out, /InvalidArg amount: length 3 does not match customer length/)
})
