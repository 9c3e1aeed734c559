/**
 * The syntax highlighter: lowlight (highlight.js grammars, output as a tree instead of HTML) with
 * the languages the editor offers (shared/code-language.ts). Its own chunk, loaded by
 * highlight.ts once a code block has a language, so the first paint never waits for it.
 */
import bash from 'highlight.js/lib/languages/bash'
import c from 'highlight.js/lib/languages/c'
import cpp from 'highlight.js/lib/languages/cpp'
import csharp from 'highlight.js/lib/languages/csharp'
import css from 'highlight.js/lib/languages/css'
import diff from 'highlight.js/lib/languages/diff'
import go from 'highlight.js/lib/languages/go'
import java from 'highlight.js/lib/languages/java'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import kotlin from 'highlight.js/lib/languages/kotlin'
import markdown from 'highlight.js/lib/languages/markdown'
import php from 'highlight.js/lib/languages/php'
import python from 'highlight.js/lib/languages/python'
import ruby from 'highlight.js/lib/languages/ruby'
import rust from 'highlight.js/lib/languages/rust'
import sql from 'highlight.js/lib/languages/sql'
import swift from 'highlight.js/lib/languages/swift'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'
import { createLowlight } from 'lowlight'
import type { Run } from './highlight.js'

// xml's grammar answers to html as well
const lowlight = createLowlight({ bash, c, cpp, csharp, css, diff, go, java, javascript, json, kotlin, markdown, php, python, ruby, rust, sql, swift, typescript, xml, yaml })


interface HastNode {
  type: string
  value?: string
  properties?: { className?: unknown }
  children?: HastNode[]
}

/** The highlighted runs of `code` in `language`, or null when the language is not one registered here. */
export function highlight(code: string, language: string): Run[] | null {
  if (!lowlight.registered(language)) return null
  const out: Run[] = []
  let offset = 0
  // each text leaf gets the classes of every element around it (a string inside a template's substitution)
  const walk = (node: HastNode, classes: string[]): void => {
    if (node.type === 'text') {
      const length = node.value?.length ?? 0
      if (classes.length > 0 && length > 0) out.push({ from: offset, to: offset + length, classes: classes.join(' ') })
      offset += length
      return
    }
    const own = Array.isArray(node.properties?.className) ? (node.properties.className as string[]) : []
    for (const child of node.children ?? []) walk(child, own.length > 0 ? [...classes, ...own] : classes)
  }
  walk(lowlight.highlight(language, code) as HastNode, [])
  return out
}
