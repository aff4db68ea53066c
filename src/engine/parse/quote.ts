// Go's quoted strings (strconv.Quote) as printed in pprof labels: `"a\"b"`, `"\xff"`, `"\u00e9"`.

/** Read a Go double-quoted string starting at s[i] === '"'. Returns the value and the index after
 *  the closing quote, or null when the quote never closes or an escape is malformed. */
export function readQuoted(s: string, i: number): { value: string; end: number } | null {
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '"') return { value: out, end: j + 1 };
    if (c !== '\\') {
      out += c;
      j++;
      continue;
    }
    const e = s[j + 1];
    j += 2;
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case 'x':
      case 'u':
      case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(j, j + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) return null;
        out += String.fromCodePoint(cp);
        j += n;
        break;
      }
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = s.slice(j - 1, j + 2);
          if (!/^[0-7]{3}$/.test(oct)) return null;
          out += String.fromCharCode(parseInt(oct, 8));
          j += 2;
          break;
        }
        return null;
    }
  }
  return null;
}
