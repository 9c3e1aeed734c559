/**
 * Copying a document's text to the clipboard, so changes the server will not take can be kept
 * elsewhere. The Clipboard API exists only on https (or localhost); a self-hosted server on plain
 * http gets the older copy command.
 */

/** The text to copy for a document: its title (when it has one), a blank line, then its body. */
export function documentText(title: string, body: string): string {
  const heading = title.trim()
  return heading ? `${heading}\n\n${body}` : body
}

/**
 * Puts `text` on the clipboard; resolves whether it got there. The fallback selects it in a
 * hidden text area appended to `root` (a component's shadow root keeps it out of the page).
 */
export async function copyToClipboard(text: string, root: ParentNode): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.className = 'visually-hidden'
    root.appendChild(area)
    area.select()
    try {
      return document.execCommand('copy')
    } catch {
      return false
    } finally {
      area.remove()
    }
  }
}
