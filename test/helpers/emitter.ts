// A tiny contract that emits whatever log it is told to: calldata = [n: 1 byte][n topics: 32 bytes
// each][data]. Put at a real contract address with anvil_setCode, it makes the node emit real-shaped
// logs at that address, from the real sender, with the real value — the replay of recorded events.
// Hand-assembled EVM bytecode; labels resolved below.

/** An assembler item: raw opcode hex, a jump label, or a PUSH2 of a label's offset. */
export type Op = string | { label: string } | { jumpTo: string };

const program: Op[] = [
  '6000',
  '35',
  '60f8',
  '1c', // n = calldata[0] >> 248
  '80',
  '6005',
  '1b',
  '6001',
  '01', // off = n*32 + 1
  '80',
  '36',
  '03', // len = calldatasize - off
  '80',
  '82',
  '6000',
  '37', // calldatacopy(0, off, len); stack: len off n
  '82',
  '15',
  { jumpTo: 'L0' },
  '57',
  '82',
  '6001',
  '14',
  { jumpTo: 'L1' },
  '57',
  '82',
  '6002',
  '14',
  { jumpTo: 'L2' },
  '57',
  '82',
  '6003',
  '14',
  { jumpTo: 'L3' },
  '57',
  '82',
  '6004',
  '14',
  { jumpTo: 'L4' },
  '57',
  '6000',
  '80',
  'fd', // revert(0, 0)
  { label: 'L0' },
  '5b',
  '6000',
  'a0',
  '00',
  { label: 'L1' },
  '5b',
  '6001',
  '35',
  '81',
  '6000',
  'a1',
  '00',
  { label: 'L2' },
  '5b',
  '6021',
  '35',
  '6001',
  '35',
  '82',
  '6000',
  'a2',
  '00',
  { label: 'L3' },
  '5b',
  '6041',
  '35',
  '6021',
  '35',
  '6001',
  '35',
  '83',
  '6000',
  'a3',
  '00',
  { label: 'L4' },
  '5b',
  '6061',
  '35',
  '6041',
  '35',
  '6021',
  '35',
  '6001',
  '35',
  '84',
  '6000',
  'a4',
  '00',
];

/** Assembles `ops` into bytecode hex, resolving labels to PUSH2 offsets. */
export function assemble(ops: Op[]): string {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const op of ops) {
    if (typeof op === 'string') pc += op.length / 2;
    else if ('label' in op) labels.set(op.label, pc);
    else pc += 3; // PUSH2 xx xx
  }
  return `0x${ops
    .map((op) => {
      if (typeof op === 'string') return op;
      if ('label' in op) return '';
      return `61${labels.get(op.jumpTo)!.toString(16).padStart(4, '0')}`;
    })
    .join('')}`;
}

/** Runtime bytecode of the log emitter. */
export const EMITTER_CODE = assemble(program);

/** Calldata that makes the emitter log `topics` (0–4, 32-byte hex each) with `data`. */
export function emitterCalldata(topics: string[], data: string): string {
  if (topics.length > 4) throw new Error('at most 4 topics');
  const t = topics.map((x) => {
    const h = x.replace(/^0x/, '').toLowerCase();
    if (h.length !== 64) throw new Error(`topic ${x} is not 32 bytes`);
    return h;
  });
  return `0x${topics.length.toString(16).padStart(2, '0')}${t.join('')}${data.replace(/^0x/, '')}`;
}
