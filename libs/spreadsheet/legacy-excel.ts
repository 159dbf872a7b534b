import { readFileHead } from '#libs/storage/file-head.js';

/** The signature of an OLE2 compound file: Excel 97-2003 (.xls), but also a password-protected .xlsx. */
const OLE2_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** A name ending in .xls (Excel 97-2003), which no reader here reads. */
export function isLegacyExcelName(name: string): boolean {
  return /\.xls$/i.test(name.trim());
}

/** The first bytes are an OLE2 compound file's, whatever the file is called. */
export function isOle2CompoundFile(head: Buffer): boolean {
  return head.length >= OLE2_SIGNATURE.length && head.subarray(0, OLE2_SIGNATURE.length).equals(OLE2_SIGNATURE);
}

export async function isOle2CompoundFileAt(path: string): Promise<boolean> {
  return isOle2CompoundFile(await readFileHead(path, OLE2_SIGNATURE.length));
}
