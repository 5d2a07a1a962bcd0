/**
 * Deepest array/object nesting a JSON request body may have. Deeper input is refused (400 /
 * 40001) before it is parsed, so no recursive step (parse, validation, rendering) can overflow
 * the stack on it.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether a JSON body nests deeper than `limit` (brackets outside strings), stopping once it does.
 * Streamed records get their depth from the splitter's own scan instead.
 */
export function jsonDepthExceeds(bytes: Buffer, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped character
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
  return false;
}
