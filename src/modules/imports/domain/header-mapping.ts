/** A header as compared with the engine's own column headers: NFC, spacing, case and a trailing "*" do not matter. */
export function normaliseHeader(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase().replace(/\s*\*$/, '');
}
