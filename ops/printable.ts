// Object keys are written by anyone who may write to the bucket. Printed raw, a key holding ESC or CSI sequences
// would rewrite the operator's terminal (erase the lines above, fake a prompt): every output that shows a key
// shows it through printable(). Unicode's direction controls would reorder what the operator reads ("Trojan
// Source"): they are written out too.

/** Direction marks, embeddings, overrides and isolates, and the line and paragraph separators. */
const INVISIBLE_LAYOUT = /[\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** `text` with each control character (C0, DEL, C1) as a \xNN escape, each direction control as \u{NNNN}, everything else as it is. */
export function printable(text: string): string {
  return Array.from(text, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `\\x${code.toString(16).padStart(2, '0')}`;
    return INVISIBLE_LAYOUT.test(char) ? `\\u{${code.toString(16)}}` : char;
  }).join('');
}
