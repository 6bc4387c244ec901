// Object keys are written by anyone who may write to the bucket. Printed raw, a key holding ESC or CSI sequences
// would rewrite the operator's terminal (erase the lines above, fake a prompt), and Unicode's direction controls
// would reorder what the operator reads ("Trojan Source"): every output that shows a key shows it through
// printable(). The characters are those errors.ts escapes in messages about the settings file.
import { UNPRINTABLE } from '../errors';

const UNPRINTABLE_CHAR = new RegExp(UNPRINTABLE.source);

/** `text` with each control character (C0, DEL, C1) as a \xNN escape, each direction control or separator as \u{NNNN}, everything else as it is. */
export function printable(text: string): string {
  return Array.from(text, (char) => {
    if (!UNPRINTABLE_CHAR.test(char)) return char;
    const code = char.charCodeAt(0);
    return code <= 0x9f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  }).join('');
}
