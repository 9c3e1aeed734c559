/**
 * Markdown-style input rules, typed character by character into bare EditorStates (no DOM):
 * `# `, `## `, `### `, `- `, `* `, `1. `, `[ ] `, `[x] `, `> `, ```` ``` ```` (and ```` ```js ````), `---`, and the
 * inline `**bold**`, `*italic*`, `` `code` ``, `~~strike~~`; Backspace right after undoes a rule.
 */
import { describe, expect, it } from 'vitest'
import { undoInputRule } from 'prosemirror-inputrules'
import { setTypedFenceLanguage } from '../../client/editor/commands.js'
import { inputRulesPlugin } from '../../client/editor/input-rules.js'
import { b, run, stateOf, type } from './client-editor-helpers.js'

const empty = () => stateOf(b.doc(b.p()), 1, undefined, [inputRulesPlugin()])
const typed = (text: string) => type(empty(), text).doc

describe('block rules', () => {
  it('turns # , ## and ### into headings', () => {
    expect(typed('# Title').eq(b.doc(b.h(1, 'Title')))).toBe(true)
    expect(typed('## Sub').eq(b.doc(b.h(2, 'Sub')))).toBe(true)
    expect(typed('### Small').eq(b.doc(b.h(3, 'Small')))).toBe(true)
    // four hashes are not a heading level this schema has
    expect(typed('#### x').eq(b.doc(b.p('#### x')))).toBe(true)
  })

  it('turns - , * and + into bullet lists, 1. into numbered lists keeping the start', () => {
    expect(typed('- item').eq(b.doc(b.ul(b.li(b.p('item')))))).toBe(true)
    expect(typed('* item').eq(b.doc(b.ul(b.li(b.p('item')))))).toBe(true)
    expect(typed('1. first').eq(b.doc(b.ol(b.li(b.p('first')))))).toBe(true)
    const third = typed('3. third')
    expect(third.firstChild!.type.name).toBe('ordered_list')
    expect(third.firstChild!.attrs.order).toBe(3)
  })

  it('turns [ ] and [x] into tasks, and a bullet item into a task', () => {
    expect(typed('[ ] todo').eq(b.doc(b.tasks(b.task(false, b.p('todo')))))).toBe(true)
    expect(typed('[x] done').eq(b.doc(b.tasks(b.task(true, b.p('done')))))).toBe(true)
    expect(typed('[] todo').eq(b.doc(b.tasks(b.task(false, b.p('todo')))))).toBe(true)
    // "- [ ] " like GitHub: the bullet list becomes a task list
    expect(typed('- [ ] todo').eq(b.doc(b.tasks(b.task(false, b.p('todo')))))).toBe(true)
  })

  it('turns > into a quote, ``` into a code block, --- into a rule', () => {
    expect(typed('> wise').eq(b.doc(b.quote(b.p('wise'))))).toBe(true)
    expect(typed('```let x').eq(b.doc(b.pre('let x')))).toBe(true)
    const ruled = typed('---next')
    expect(ruled.eq(b.doc(b.hr(), b.p('next')))).toBe(true)
  })

  it('makes a language named after ``` and a space, or Enter, the code block\'s language', () => {
    expect(typed('```js const a').eq(b.doc(b.pre('const a', 'javascript')))).toBe(true)
    expect(typed('```Python x').eq(b.doc(b.pre('x', 'python')))).toBe(true)
    // a word that is no language offered stays code, as does a name in a block that has one
    expect(typed('```weird x').eq(b.doc(b.pre('weird x')))).toBe(true)
    expect(type(stateOf(b.doc(b.pre('', 'go')), 1, undefined, [inputRulesPlugin()]), 'rust x').doc.eq(b.doc(b.pre('rust x', 'go')))).toBe(true)
    // Backspace right after brings the name back
    const named = type(empty(), '```ts ')
    expect(named.doc.eq(b.doc(b.pre('', 'typescript')))).toBe(true)
    expect(run(named, undoInputRule).doc.eq(b.doc(b.pre('ts ')))).toBe(true)
    // Enter
    const entered = run(type(empty(), '```sql'), setTypedFenceLanguage)
    expect(entered.doc.eq(b.doc(b.pre('', 'sql')))).toBe(true)
    expect(setTypedFenceLanguage(type(empty(), '```let'))).toBe(false)
  })

  it('fires only at the start of a block', () => {
    expect(typed('a # b').eq(b.doc(b.p('a # b')))).toBe(true)
    expect(typed('x - y').eq(b.doc(b.p('x - y')))).toBe(true)
    expect(typed('so > than').eq(b.doc(b.p('so > than')))).toBe(true)
  })

  it('does nothing inside a code block', () => {
    const state = type(stateOf(b.doc(b.pre('')), 1, undefined, [inputRulesPlugin()]), '# not a heading **x**')
    expect(state.doc.eq(b.doc(b.pre('# not a heading **x**')))).toBe(true)
  })

  it('is undone by Backspace right after it fired', () => {
    const state = type(empty(), '# ')
    expect(state.doc.eq(b.doc(b.h(1)))).toBe(true)
    const undone = run(state, undoInputRule)
    expect(undone.doc.eq(b.doc(b.p('# ')))).toBe(true)
  })
})

describe('inline rules', () => {
  it('marks **bold**, __bold__, *italic*, _italic_, ~~strike~~ and `code`', () => {
    expect(typed('a **bold** b').eq(b.doc(b.p('a ', b.marked('bold', 'bold'), ' b')))).toBe(true)
    expect(typed('__bold__').eq(b.doc(b.p(b.marked('bold', 'bold'))))).toBe(true)
    expect(typed('an *italic* word').eq(b.doc(b.p('an ', b.marked('italic', 'italic'), ' word')))).toBe(true)
    expect(typed('_it_').eq(b.doc(b.p(b.marked('it', 'italic'))))).toBe(true)
    expect(typed('~~gone~~').eq(b.doc(b.p(b.marked('gone', 'strike'))))).toBe(true)
    expect(typed('run `npm test` now').eq(b.doc(b.p('run ', b.marked('npm test', 'code'), ' now')))).toBe(true)
  })

  it('leaves asterisks inside words and lone delimiters alone', () => {
    expect(typed('2*3*4').eq(b.doc(b.p('2*3*4')))).toBe(true)
    expect(typed('snake_case_name').eq(b.doc(b.p('snake_case_name')))).toBe(true)
    expect(typed('a * b * c').eq(b.doc(b.p('a * b * c')))).toBe(true)
  })

  it('does not carry the mark on after the closing delimiter', () => {
    const doc = typed('**B**x')
    expect(doc.eq(b.doc(b.p(b.marked('B', 'bold'), 'x')))).toBe(true)
  })
})
