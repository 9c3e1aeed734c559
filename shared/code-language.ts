/**
 * The language of a code block: the names the editor offers, and the one check every value goes
 * through, wherever it comes from (a Markdown fence, a pasted `class="language-x"`, VS Code's
 * clipboard, another peer). Values are untrusted: they end up in class names and file text.
 */

/** A language the editor offers, by the name stored in the document and the label people see. */
export interface CodeLanguage {
  readonly id: string
  readonly label: string
}

/** The languages offered in a code block's picker ("Plain text", no language, comes first there). */
export const CODE_LANGUAGES: readonly CodeLanguage[] = [
  { id: 'bash', label: 'Shell' },
  { id: 'c', label: 'C' },
  { id: 'cpp', label: 'C++' },
  { id: 'csharp', label: 'C#' },
  { id: 'css', label: 'CSS' },
  { id: 'diff', label: 'Diff' },
  { id: 'go', label: 'Go' },
  { id: 'html', label: 'HTML' },
  { id: 'java', label: 'Java' },
  { id: 'javascript', label: 'JavaScript' },
  { id: 'json', label: 'JSON' },
  { id: 'kotlin', label: 'Kotlin' },
  { id: 'markdown', label: 'Markdown' },
  { id: 'php', label: 'PHP' },
  { id: 'python', label: 'Python' },
  { id: 'ruby', label: 'Ruby' },
  { id: 'rust', label: 'Rust' },
  { id: 'sql', label: 'SQL' },
  { id: 'swift', label: 'Swift' },
  { id: 'typescript', label: 'TypeScript' },
  { id: 'yaml', label: 'YAML' },
]

/** Other names of the offered languages (fence info strings, VS Code's language ids); null: plain text. */
const ALIASES: Readonly<Record<string, string | null>> = {
  js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript', javascriptreact: 'javascript', node: 'javascript',
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', typescriptreact: 'typescript',
  py: 'python', python3: 'python',
  sh: 'bash', shell: 'bash', shellscript: 'bash', zsh: 'bash',
  yml: 'yaml', md: 'markdown', rs: 'rust', rb: 'ruby', golang: 'go', cs: 'csharp', 'c#': 'csharp',
  'c++': 'cpp', cc: 'cpp', cxx: 'cpp', hpp: 'cpp', h: 'c', kt: 'kotlin', htm: 'html', xhtml: 'html',
  plaintext: null, plain: null, text: null, txt: null,
}

/** Longest language name kept. */
export const MAX_LANGUAGE_LENGTH = 32

/**
 * The language to store or render for `value`: lower case, an alias replaced by the name offered
 * (`js` → `javascript`), a name the editor does not know kept as it is (shown unhighlighted).
 * Null for plain text and for anything that is not a short name of plain characters.
 */
export function cleanLanguage(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const name = value.trim().toLowerCase()
  if (name.length > MAX_LANGUAGE_LENGTH || !/^[a-z0-9][a-z0-9+#._-]*$/.test(name)) return null
  return name in ALIASES ? ALIASES[name]! : name
}

/** The language named by an element's `language-x` (or `lang-x`) class, `lang` or `data-language`, or null. */
export function languageOfElement(el: Element): string | null {
  for (const name of el.classList) {
    const match = /^(?:language|lang)-(.+)$/.exec(name)
    if (match) return cleanLanguage(match[1])
  }
  return cleanLanguage(el.getAttribute('data-language') ?? el.getAttribute('lang'))
}
