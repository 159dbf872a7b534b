/** A small MIME reader for the mail catcher: headers, text and HTML bodies, attachment names. */
export interface ParsedMail {
  headers: Record<string, string>;
  subject: string;
  from: string;
  to: string[];
  text?: string;
  html?: string;
  attachments: { fileName: string; contentType: string; size: number }[];
}

interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

export function parseMail(raw: Buffer): ParsedMail {
  const root = splitPart(raw);
  const mail: ParsedMail = {
    headers: root.headers,
    subject: decodeWords(root.headers['subject'] ?? ''),
    from: decodeWords(root.headers['from'] ?? ''),
    to: (root.headers['to'] ?? '').split(',').map((a) => decodeWords(a.trim())).filter(Boolean),
    attachments: [],
  };
  walk(root, mail);
  return mail;
}

function walk(part: Part, mail: ParsedMail): void {
  const contentType = part.headers['content-type'] ?? 'text/plain';
  const [mediaType] = contentType.split(';');
  const type = mediaType.trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = param(contentType, 'boundary');
    if (!boundary) return;
    for (const child of splitMultipart(part.body, boundary)) walk(splitPart(child), mail);
    return;
  }
  const body = decodeTransfer(part.body, part.headers['content-transfer-encoding']);
  const disposition = part.headers['content-disposition'] ?? '';
  const fileName = param(disposition, 'filename') ?? param(contentType, 'name');
  if (fileName || disposition.toLowerCase().startsWith('attachment')) {
    mail.attachments.push({ fileName: decodeWords(fileName ?? 'attachment'), contentType: type, size: body.length });
  } else if (type === 'text/html' && mail.html === undefined) {
    mail.html = body.toString('utf8');
  } else if (type === 'text/plain' && mail.text === undefined) {
    mail.text = body.toString('utf8');
  }
}

function splitPart(raw: Buffer): Part {
  let end = raw.indexOf('\r\n\r\n');
  let separator = 4;
  if (end < 0) {
    end = raw.indexOf('\n\n');
    separator = 2;
  }
  if (end < 0) return { headers: {}, body: raw };
  const headerText = raw.subarray(0, end).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of headerText.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.subarray(end + separator) };
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  return text
    .split(delimiter)
    .slice(1)
    .filter((chunk) => !chunk.startsWith('--'))
    .map((chunk) => Buffer.from(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''), 'latin1'));
}

function decodeTransfer(body: Buffer, encoding = '7bit'): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.toString('latin1'));
    default:
      return body;
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  const withoutSoftBreaks = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < withoutSoftBreaks.length; i++) {
    const char = withoutSoftBreaks[i];
    const hex = withoutSoftBreaks.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(withoutSoftBreaks.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    );
}

function param(header: string, name: string): string | undefined {
  const match = new RegExp(`${name}\\*?=("([^"]*)"|[^;\\s]+)`, 'i').exec(header);
  return match ? (match[2] ?? match[1]) : undefined;
}
