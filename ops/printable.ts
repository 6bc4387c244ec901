// Object keys are written by anyone who may write to the bucket. Printed raw, a key holding ESC or CSI sequences
// would rewrite the operator's terminal (erase the lines above, fake a prompt): every output that shows a key
// shows it through printable().

/** `text` with each control character (C0, DEL, C1) written as a \xNN escape, everything else as it is. */
export function printable(text: string): string {
  return Array.from(text, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }).join('');
}
