/**
 * Google Docs' "Download as HTML" page, made to read as the document did: its links go through
 * Google's redirector (`https://www.google.com/url?q=<link>&sa=D...`), and a nested list is a run
 * of flat sibling lists whose class names the list and the level (`lst-kix_<list>-<level>`), so
 * every item came in at the top level and every link pointed at Google. Standard DOM only.
 */

/** The list and level a Google Docs list element names in its class, or null for another element. */
function listClass(el: Element): { list: string; level: number } | null {
  if (el.localName !== 'ul' && el.localName !== 'ol') return null
  const match = /(?:^|\s)lst-kix_(\S+)-(\d+)(?:\s|$)/.exec(el.getAttribute('class') ?? '')
  return match ? { list: match[1]!, level: Number(match[2]) } : null
}

/** Nests each run of sibling Google Docs lists under `root` by the levels their classes name. */
function nestLists(root: ParentNode): void {
  const parents = new Set<Node>()
  for (const el of root.querySelectorAll('ul[class*="lst-kix_"], ol[class*="lst-kix_"]')) if (el.parentNode) parents.add(el.parentNode)
  for (const parent of parents) {
    // the lists open at each level, deepest last
    let stack: Array<{ el: Element; list: string; level: number }> = []
    for (const child of [...parent.childNodes]) {
      if (child.nodeType !== 1) {
        // white space between lists keeps them one run; anything else ends it
        if (child.nodeType !== 8 && /\S/.test(child.textContent ?? '')) stack = []
        continue
      }
      const el = child as Element
      const named = listClass(el)
      if (!named) {
        stack = []
        continue
      }
      while (stack.length > 0 && stack[stack.length - 1]!.level > named.level) stack.pop()
      const top = stack[stack.length - 1]
      if (top && top.level === named.level && top.list === named.list && top.el.localName === el.localName) {
        // the same list going on after a nested one
        top.el.append(...el.childNodes)
        el.remove()
        continue
      }
      if (top && top.level === named.level) stack.pop()
      const outer = stack[stack.length - 1]
      if (outer && outer.level < named.level) outer.el.lastElementChild?.append(el)
      stack.push({ el, ...named })
    }
  }
}

/** The link a Google redirector URL stands for, or null when `href` is not one (or names no http, https or mailto link). */
function redirectTarget(href: string): string | null {
  if (!/^https:\/\/www\.google\.com\/url\?/.test(href)) return null
  let target: string | null
  try {
    target = new URL(href).searchParams.get('q')
  } catch {
    return null
  }
  return target && /^(https?:\/\/|mailto:)/i.test(target) ? target : null
}

/** Rewrites what Google Docs' HTML download does under `root`, as the module doc says. */
export function fixGoogleDocsDownload(root: ParentNode): void {
  for (const a of root.querySelectorAll('a[href^="https://www.google.com/url?"]')) {
    const target = redirectTarget(a.getAttribute('href')!)
    if (target) a.setAttribute('href', target)
  }
  nestLists(root)
}
