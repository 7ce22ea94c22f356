import { DecodeError } from '@mixwatch/core';
import {
  bytes32ToAccount,
  dynamicHexAt,
  expectTopics,
  expectWords,
  topicAddress,
  topicUint,
  topicWord,
  uintAt,
  word,
  wordToSafeNumber,
  wordToUint,
} from '../abi.ts';
import { counterpartyName, WORMHOLE_CHAIN_NAMES } from '../counterparty.ts';
import { allContracts } from '../registry.ts';
import { tokenFields, tokenMeta } from '../tokens.ts';
import type { DecodeContext, Decoder, FlowDraft } from '../types.ts';

// Wormhole (wormhole-foundation/wormhole-sdk-ts, platforms/evm core Implementation + tokenBridge Bridge ABIs).
// A message is identified across chains by its VAA id `emitterChain/emitterAddress(32 bytes hex)/sequence`:
// that is the bridge_ref of both legs. Token Bridge payloads (type 1 Transfer, 3 TransferWithPayload):
// u8 id | u256 amount | bytes32 token | u16 tokenChain | bytes32 to | u16 toChain | u256 fee or bytes32 from | …
// Amounts are normalized to at most 8 decimals by the Token Bridge.

const OUR_WORMHOLE_ID: Record<string, number> = Object.fromEntries(
  Object.entries(WORMHOLE_CHAIN_NAMES).map(([id, name]) => [name, Number(id)]),
);

let tokenBridges: Set<string> | undefined;
function isTokenBridge(chain: string, address: string): boolean {
  tokenBridges ??= new Set(
    allContracts()
      .filter((c) => c.service === 'wormhole' && c.kind === 'bridge')
      .map((c) => `${c.chain}:${c.address}`),
  );
  return tokenBridges.has(`${chain}:${address}`);
}

/** A parsed Token Bridge transfer payload (hex without 0x), or undefined for other payloads. */
export interface WormholeTransfer {
  payloadType: 1 | 3;
  amount: string;
  tokenAddress: string;
  tokenChain: number;
  to: string;
  toChain: number;
  fee: string | undefined;
  fromAddress: string | undefined;
}

/** Parses a Token Bridge payload (hex, no 0x); undefined when it is not a type 1/3 transfer. */
export function parseTransferPayload(p: string): WormholeTransfer | undefined {
  const type = p.slice(0, 2);
  if ((type !== '01' && type !== '03') || p.length < 266) return undefined;
  const isTransfer = type === '01';
  const last = p.slice(202, 266);
  // One object shape for both payload types (fee or fromAddress undefined): keeps the call site monomorphic.
  return {
    payloadType: isTransfer ? 1 : 3,
    amount: wordToUint(p.slice(2, 66)),
    tokenAddress: bytes32ToAccount(p.slice(66, 130)),
    tokenChain: Number.parseInt(p.slice(130, 134), 16),
    to: bytes32ToAccount(p.slice(134, 198)),
    toChain: Number.parseInt(p.slice(198, 202), 16),
    fee: isTransfer ? wordToUint(last) : undefined,
    fromAddress: isTransfer ? undefined : bytes32ToAccount(last),
  };
}

function transferToken(
  ctx: DecodeContext,
  t: WormholeTransfer,
): Pick<FlowDraft, 'token' | 'token_symbol' | 'decimals'> & { extra: Record<string, unknown> } {
  const here = OUR_WORMHOLE_ID[ctx.chain.name];
  const extra: Record<string, unknown> = { token_chain: t.tokenChain, origin_token: t.tokenAddress, payload_type: t.payloadType };
  if (t.tokenChain === here) {
    const f = tokenFields(ctx, t.tokenAddress);
    const known = tokenMeta(ctx.chain.name, t.tokenAddress);
    // Token Bridge amounts carry min(decimals, 8) decimals.
    return { ...f, decimals: f.token === 'native' ? 8 : known ? Math.min(known.decimals, 8) : 8, extra };
  }
  // A wrapped asset minted by the Token Bridge here; its local address is not in the payload.
  return { token: t.tokenAddress, token_symbol: '', decimals: 8, extra: { ...extra, wrapped: true } };
}

/**
 * Core `LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload,
 * uint8 consistencyLevel)`. Only messages whose sender is a Wormhole Token Bridge of this chain
 * and whose payload is a transfer (type 1/3) move value: those become `bridge_out` flows; every
 * other message (governance, other apps) returns no flow. The sender of the value is `tx.from`.
 */
export const wormholeLogMessagePublished: Decoder = {
  name: 'wormhole.log_message_published',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 2, 'LogMessagePublished');
    expectWords(log, 4, 'LogMessagePublished');
    const sender = topicAddress(log, 1);
    if (!isTokenBridge(ctx.chain.name, sender)) return [];
    const t = parseTransferPayload(dynamicHexAt(log, 2));
    if (!t) return [];
    if (!tx) throw new DecodeError('LogMessagePublished: transaction not provided');
    const here = OUR_WORMHOLE_ID[ctx.chain.name];
    if (here === undefined) throw new DecodeError(`LogMessagePublished: no Wormhole chain id for ${ctx.chain.name}`);
    const sequence = uintAt(log, 0);
    const tk = transferToken(ctx, t);
    const extra = tk.extra;
    return [
      {
        action: 'bridge_out',
        from_address: t.fromAddress ?? tx.from,
        to_address: t.to,
        token: tk.token,
        token_symbol: tk.token_symbol,
        decimals: tk.decimals,
        amount: t.amount,
        counterparty_chain: counterpartyName(WORMHOLE_CHAIN_NAMES, 'wormhole', t.toChain),
        bridge_ref: `${here}/${topicWord(log, 1).toLowerCase()}/${sequence}`,
        extra: {
          token_chain: extra.token_chain,
          origin_token: extra.origin_token,
          payload_type: extra.payload_type,
          ...(extra.wrapped ? { wrapped: true } : {}),
          sequence,
          nonce: wordToSafeNumber(word(log, 1), 'nonce'),
          ...(t.fee ? { fee: t.fee } : {}),
        },
      },
    ];
  },
};

/**
 * Token Bridge `TransferRedeemed(uint16 indexed emitterChainId, bytes32 indexed emitterAddress,
 * uint64 indexed sequence)`: the arrival leg. The event has only the VAA id; amount, token and
 * recipient are read from the VAA in the transaction input, found by its body bytes
 * (emitterChain ‖ emitter ‖ sequence), so relayer wrappers around completeTransfer work too.
 * Without a matching VAA the flow keeps the pairing id and amount 0 (`extra.vaa_found: false`).
 */
export const wormholeTransferRedeemed: Decoder = {
  name: 'wormhole.transfer_redeemed',
  needsTx: true,
  decode(ctx) {
    const { log, tx } = ctx;
    expectTopics(log, 4, 'TransferRedeemed');
    expectWords(log, 0, 'TransferRedeemed');
    const emitterChain = Number(topicUint(log, 1));
    const emitter = topicWord(log, 2).toLowerCase();
    const sequenceWord = topicWord(log, 3);
    if (!/^0{48}/.test(sequenceWord)) throw new DecodeError('TransferRedeemed: sequence wider than uint64');
    const sequence = BigInt(`0x${sequenceWord}`).toString();
    const ref = `${emitterChain}/${emitter}/${sequence}`;
    const base: FlowDraft = {
      action: 'bridge_in',
      from_address: ctx.contract.address,
      to_address: '',
      token: '',
      token_symbol: '',
      amount: '0',
      decimals: 0,
      counterparty_chain: counterpartyName(WORMHOLE_CHAIN_NAMES, 'wormhole', emitterChain),
      bridge_ref: ref,
      extra: { sequence, emitter_address: `0x${emitter}`, vaa_found: false },
    };
    const input = tx?.input?.toLowerCase() ?? '';
    const needle = emitterChain.toString(16).padStart(4, '0') + emitter + sequenceWord.slice(48);
    const at = input.indexOf(needle);
    if (at < 0 || (at & 1) !== 0) return [base];
    const t = parseTransferPayload(input.slice(at + needle.length + 2)); // +2: consistency level byte
    if (!t) return [base];
    const { extra, ...token } = transferToken(ctx, t);
    return [
      {
        ...base,
        from_address: t.fromAddress ?? ctx.contract.address,
        to_address: t.to,
        ...token,
        amount: t.amount,
        extra: { ...base.extra, ...extra, vaa_found: true, ...(t.fee ? { fee: t.fee } : {}) },
      },
    ];
  },
};
