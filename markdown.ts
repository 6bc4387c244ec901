/** Text made safe inside a Markdown table cell: a pipe would end the cell, angle brackets would open HTML. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
