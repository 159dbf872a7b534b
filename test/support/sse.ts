/** One Server-Sent Events block (the lines between two blank lines), as the tests read it. */
export interface SseBlock {
  event: string;
  id?: string;
  /** The joined `data:` lines, parsed as JSON; undefined for a block without data (a heartbeat). */
  data?: unknown;
  comments: string[];
  retry: number[];
}

/** Takes every complete block off the front of `buffered`; returns them and what is left for the next read. */
export function takeSseBlocks(buffered: string): { blocks: SseBlock[]; rest: string } {
  const blocks: SseBlock[] = [];
  let boundary: number;
  while ((boundary = buffered.indexOf('\n\n')) >= 0) {
    blocks.push(parseSseBlock(buffered.slice(0, boundary)));
    buffered = buffered.slice(boundary + 2);
  }
  return { blocks, rest: buffered };
}

function parseSseBlock(block: string): SseBlock {
  const parsed: SseBlock = { event: 'message', comments: [], retry: [] };
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) parsed.comments.push(line.slice(1).trim());
    else if (line.startsWith('retry:')) parsed.retry.push(Number(line.slice(6)));
    else if (line.startsWith('id:')) parsed.id = line.slice(3).trim();
    else if (line.startsWith('event:')) parsed.event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length > 0) parsed.data = JSON.parse(data.join('\n'));
  return parsed;
}
