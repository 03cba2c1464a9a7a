import { ExpositionError } from './types'

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Where the first byte that is not valid UTF-8 is (the start of the broken sequence), or -1. */
function firstInvalidByte(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0
    if (n === 0 || i + n > b.length) return i
    for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i
    // Overlong forms, surrogates and code points past U+10FFFF.
    if (
      (c === 0xe0 && b[i + 1]! < 0xa0) ||
      (c === 0xed && b[i + 1]! > 0x9f) ||
      (c === 0xf0 && b[i + 1]! < 0x90) ||
      (c === 0xf4 && b[i + 1]! > 0x8f)
    )
      return i
    i += n
  }
  return -1
}

/**
 * A /metrics page's bytes as text, as the Prometheus server takes them: invalid UTF-8 is refused
 * (it refuses such a label value or HELP text), with the line and column of the first bad byte;
 * a byte order mark is kept, for the parser to name (Prometheus refuses it too).
 */
export function decodeExposition(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes)
  } catch {
    const at = firstInvalidByte(bytes)
    if (at < 0) throw new ExpositionError(1, 1, 'the page is not valid UTF-8: Prometheus refuses it')
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1
    let line = 1
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++
    const column = strict.decode(bytes.subarray(lineStart, at)).length + 1
    throw new ExpositionError(
      line,
      column,
      `byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')} is not valid UTF-8: Prometheus refuses a page with invalid UTF-8 in a label value or HELP text`
    )
  }
}
