import { encodeAbiParameters, encodePacked, keccak256 } from 'viem';
import { allContracts } from '../registry.ts';
import type { ContractEntry } from '../types.ts';
import { AMOUNT, b32, ID, P, SAMPLES, type Sample, tok } from './samples.ts';

const WH_ID: Record<string, number> = { ethereum: 2, bsc: 4, polygon: 5, avalanche: 6, arbitrum: 23, optimism: 24, base: 30 };
const CCTP_DOMAIN: Record<string, number> = { ethereum: 0, avalanche: 1, optimism: 2, arbitrum: 3, base: 6, polygon: 7 };
const tokenBridge = (c: ContractEntry) =>
  allContracts().find((e) => e.service === 'wormhole' && e.kind === 'bridge' && e.chain === c.chain)?.address ?? '';
// Token Bridge payload type 1: amount 5e8 (8-decimal normalized) of P.token (on Solana, chain 1) to P.recipient on Solana.
const whPayload = encodePacked(
  ['uint8', 'uint256', 'bytes32', 'uint16', 'bytes32', 'uint16', 'uint256'],
  [1, 500_000_000n, b32(P.token), 1, b32(P.recipient), 1, 0n],
);

const s = (x: Record<string, Sample>) => Object.assign(SAMPLES, x);

s({
  'wormhole.log_message_published': {
    abi: 'event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)',
    args: (c) => ({ sender: tokenBridge(c), sequence: 4242n, nonce: 7, payload: whPayload, consistencyLevel: 1 }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: '500000000',
        decimals: 8,
        counterparty_chain: 'solana',
        bridge_ref: `${WH_ID[c.chain]}/${b32(tokenBridge(c)).slice(2)}/4242`,
      },
    ],
  },
  'wormhole.transfer_redeemed': {
    abi: 'event TransferRedeemed(uint16 indexed emitterChainId, bytes32 indexed emitterAddress, uint64 indexed sequence)',
    args: () => ({ emitterChainId: 1, emitterAddress: ID, sequence: 99n }),
    from: P.relayer,
    expect: ({ contract: c }) => [
      { action: 'bridge_in', from_address: c.address, counterparty_chain: 'solana', bridge_ref: `1/${ID.slice(2)}/99`, amount: '0' },
    ],
  },
  'stargate.v1_swap': {
    abi: 'event Swap(uint16 chainId, uint256 dstPoolId, address from, uint256 amountSD, uint256 eqReward, uint256 eqFee, uint256 protocolFee, uint256 lpFee)',
    args: () => ({ chainId: 110, dstPoolId: 1n, from: P.user, amountSD: AMOUNT, eqReward: 0n, eqFee: 1n, protocolFee: 2n, lpFee: 3n }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        token: tok(c),
        amount: AMOUNT.toString(),
        decimals: c.sharedDecimals,
        counterparty_chain: 'arbitrum',
        bridge_ref: '',
      },
    ],
  },
  'stargate.v1_swap_remote': {
    abi: 'event SwapRemote(address to, uint256 amountSD, uint256 protocolFee, uint256 dstFee)',
    args: () => ({ to: P.recipient, amountSD: AMOUNT, protocolFee: 1n, dstFee: 2n }),
    from: P.relayer,
    expect: ({ contract: c }) => [
      { action: 'bridge_in', to_address: P.recipient, token: tok(c), amount: AMOUNT.toString(), bridge_ref: '' },
    ],
  },
  'stargate.v2_oft_sent': {
    abi: 'event OFTSent(bytes32 indexed guid, uint32 dstEid, address indexed fromAddress, uint256 amountSentLD, uint256 amountReceivedLD)',
    args: () => ({ guid: ID, dstEid: 30420, fromAddress: P.user, amountSentLD: AMOUNT, amountReceivedLD: AMOUNT - 5n }),
    from: P.user,
    expect: ({ contract: c }) => [
      { action: 'bridge_out', from_address: P.user, token: tok(c), amount: AMOUNT.toString(), counterparty_chain: 'tron', bridge_ref: ID },
    ],
  },
  'stargate.v2_oft_received': {
    abi: 'event OFTReceived(bytes32 indexed guid, uint32 srcEid, address indexed toAddress, uint256 amountReceivedLD)',
    args: () => ({ guid: ID, srcEid: 30101, toAddress: P.recipient, amountReceivedLD: AMOUNT }),
    from: P.relayer,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_in',
        to_address: P.recipient,
        token: tok(c),
        amount: AMOUNT.toString(),
        counterparty_chain: 'ethereum',
        bridge_ref: ID,
      },
    ],
  },
  'across.v3_funds_deposited': {
    abi: 'event V3FundsDeposited(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint32 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, address indexed depositor, address recipient, address exclusiveRelayer, bytes message)',
    args: () => ({
      inputToken: P.token,
      outputToken: P.token,
      inputAmount: AMOUNT,
      outputAmount: AMOUNT - 10n,
      destinationChainId: 42161n,
      depositId: 777,
      quoteTimestamp: 1,
      fillDeadline: 2,
      exclusivityDeadline: 0,
      depositor: P.user,
      recipient: P.recipient,
      exclusiveRelayer: P.relayer,
      message: '0x',
    }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'arbitrum',
        bridge_ref: `${c.chainId}:777`,
      },
    ],
  },
  'across.funds_deposited': {
    abi: 'event FundsDeposited(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint256 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 indexed depositor, bytes32 recipient, bytes32 exclusiveRelayer, bytes message)',
    args: () => ({
      inputToken: b32(P.token),
      outputToken: ID,
      inputAmount: AMOUNT,
      outputAmount: AMOUNT,
      destinationChainId: 34268394551451n,
      depositId: 12345678901n,
      quoteTimestamp: 1,
      fillDeadline: 2,
      exclusivityDeadline: 0,
      depositor: b32(P.user),
      recipient: ID,
      exclusiveRelayer: b32('0x00'),
      message: '0x',
    }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: ID,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'solana',
        bridge_ref: `${c.chainId}:12345678901`,
      },
    ],
  },
  'across.filled_v3_relay': {
    abi: 'event FilledV3Relay(address inputToken, address outputToken, uint256 inputAmount, uint256 outputAmount, uint256 repaymentChainId, uint256 indexed originChainId, uint32 indexed depositId, uint32 fillDeadline, uint32 exclusivityDeadline, address exclusiveRelayer, address indexed relayer, address depositor, address recipient, bytes message, (address updatedRecipient, bytes updatedMessage, uint256 updatedOutputAmount, uint8 fillType) relayExecutionInfo)',
    args: () => ({
      inputToken: P.token,
      outputToken: P.token,
      inputAmount: AMOUNT,
      outputAmount: AMOUNT - 1n,
      repaymentChainId: 1n,
      originChainId: 10n,
      depositId: 55,
      fillDeadline: 1,
      exclusivityDeadline: 0,
      exclusiveRelayer: P.relayer,
      relayer: P.relayer,
      depositor: P.user,
      recipient: P.recipient,
      message: '0x',
      relayExecutionInfo: { updatedRecipient: P.recipient, updatedMessage: '0x', updatedOutputAmount: AMOUNT - 1n, fillType: 0 },
    }),
    from: P.relayer,
    expect: () => [
      {
        action: 'bridge_in',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: (AMOUNT - 1n).toString(),
        counterparty_chain: 'optimism',
        bridge_ref: '10:55',
      },
    ],
  },
  'across.filled_relay': {
    abi: 'event FilledRelay(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 repaymentChainId, uint256 indexed originChainId, uint256 indexed depositId, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 exclusiveRelayer, bytes32 indexed relayer, bytes32 depositor, bytes32 recipient, bytes32 messageHash, (bytes32 updatedRecipient, bytes32 updatedMessageHash, uint256 updatedOutputAmount, uint8 fillType) relayExecutionInfo)',
    args: () => ({
      inputToken: ID,
      outputToken: b32(P.token),
      inputAmount: AMOUNT,
      outputAmount: AMOUNT,
      repaymentChainId: 1n,
      originChainId: 8453n,
      depositId: 9n,
      fillDeadline: 1,
      exclusivityDeadline: 0,
      exclusiveRelayer: b32(P.relayer),
      relayer: b32(P.relayer),
      depositor: b32(P.user),
      recipient: b32(P.recipient),
      messageHash: ID,
      relayExecutionInfo: { updatedRecipient: b32(P.recipient), updatedMessageHash: ID, updatedOutputAmount: AMOUNT, fillType: 0 },
    }),
    from: P.relayer,
    expect: () => [
      {
        action: 'bridge_in',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'base',
        bridge_ref: '8453:9',
      },
    ],
  },
  'cbridge.send': {
    abi: 'event Send(bytes32 transferId, address sender, address receiver, address token, uint256 amount, uint64 dstChainId, uint64 nonce, uint32 maxSlippage)',
    args: () => ({
      transferId: ID,
      sender: P.user,
      receiver: P.recipient,
      token: P.token,
      amount: AMOUNT,
      dstChainId: 56n,
      nonce: 1n,
      maxSlippage: 5000,
    }),
    from: P.user,
    expect: () => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'bsc',
        bridge_ref: ID,
      },
    ],
  },
  'cbridge.relay': {
    abi: 'event Relay(bytes32 transferId, address sender, address receiver, address token, uint256 amount, uint64 srcChainId, bytes32 srcTransferId)',
    args: () => ({
      transferId: b32(P.vault),
      sender: P.user,
      receiver: P.recipient,
      token: P.token,
      amount: AMOUNT,
      srcChainId: 1n,
      srcTransferId: ID,
    }),
    from: P.relayer,
    expect: () => [
      {
        action: 'bridge_in',
        from_address: P.user,
        to_address: P.recipient,
        amount: AMOUNT.toString(),
        counterparty_chain: 'ethereum',
        bridge_ref: ID,
      },
    ],
  },
  'multichain.swap_out': {
    abi: 'event LogAnySwapOut(address indexed token, address indexed from, address indexed to, uint256 amount, uint256 fromChainID, uint256 toChainID)',
    args: () => ({ token: P.token, from: P.user, to: P.recipient, amount: AMOUNT, fromChainID: 1n, toChainID: 250n }),
    from: P.user,
    expect: ({ txHash }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'fantom',
        bridge_ref: txHash,
      },
    ],
  },
  'multichain.swap_out_string': {
    abi: 'event LogAnySwapOut(address indexed token, address indexed from, string to, uint256 amount, uint256 fromChainID, uint256 toChainID)',
    args: () => ({
      token: P.token,
      from: P.user,
      to: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      amount: AMOUNT,
      fromChainID: 1n,
      toChainID: 728126428n,
    }),
    from: P.user,
    expect: ({ txHash }) => [
      {
        action: 'bridge_out',
        to_address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
        amount: AMOUNT.toString(),
        counterparty_chain: 'tron',
        bridge_ref: txHash,
      },
    ],
  },
  'multichain.swap_in': {
    abi: 'event LogAnySwapIn(bytes32 indexed txhash, address indexed token, address indexed to, uint256 amount, uint256 fromChainID, uint256 toChainID)',
    args: () => ({ txhash: ID, token: P.token, to: P.recipient, amount: AMOUNT, fromChainID: 56n, toChainID: 1n }),
    from: P.relayer,
    expect: () => [
      {
        action: 'bridge_in',
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'bsc',
        bridge_ref: ID,
      },
    ],
  },
  'multichain.v7_swap_out': {
    abi: 'event LogAnySwapOut(bytes32 indexed swapoutID, address indexed token, address indexed from, string receiver, uint256 amount, uint256 toChainID)',
    args: () => ({
      swapoutID: ID,
      token: P.token,
      from: P.user,
      receiver: '0xABCDEFabcdefABCDEFabcdefABCDEFabcdefABCD',
      amount: AMOUNT,
      toChainID: 43114n,
    }),
    from: P.user,
    expect: () => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd',
        amount: AMOUNT.toString(),
        counterparty_chain: 'avalanche',
        bridge_ref: ID,
      },
    ],
  },
  'multichain.v7_swap_in': {
    abi: 'event LogAnySwapIn(string swapID, bytes32 indexed swapoutID, address indexed token, address indexed receiver, uint256 amount, uint256 fromChainID)',
    args: () => ({ swapID: '0xdeadbeef', swapoutID: ID, token: P.token, receiver: P.recipient, amount: AMOUNT, fromChainID: 137n }),
    from: P.relayer,
    expect: () => [
      { action: 'bridge_in', to_address: P.recipient, amount: AMOUNT.toString(), counterparty_chain: 'polygon', bridge_ref: ID },
    ],
  },
  'thorchain.deposit': {
    abi: 'event Deposit(address indexed to, address indexed asset, uint256 amount, string memo)',
    args: () => ({
      to: P.vault,
      asset: '0x0000000000000000000000000000000000000000',
      amount: 10n ** 20n,
      memo: '=:BTC.BTC:bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh:0/1/0',
    }),
    from: P.user,
    value: 10n ** 20n,
    expect: ({ txHash }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
        token: 'native',
        amount: (10n ** 20n).toString(),
        counterparty_chain: 'bitcoin',
        bridge_ref: txHash,
      },
    ],
  },
  'thorchain.transfer_out': {
    abi: 'event TransferOut(address indexed vault, address indexed to, address asset, uint256 amount, string memo)',
    args: () => ({
      vault: P.vault,
      to: P.recipient,
      asset: '0x0000000000000000000000000000000000000000',
      amount: AMOUNT,
      memo: `OUT:${ID.slice(2).toUpperCase()}`,
    }),
    from: P.vault,
    expect: () => [
      { action: 'bridge_in', from_address: P.vault, to_address: P.recipient, token: 'native', amount: AMOUNT.toString(), bridge_ref: ID },
    ],
  },
  'thorchain.transfer_out_and_call': {
    abi: 'event TransferOutAndCall(address indexed vault, address target, uint256 amount, address finalAsset, address to, uint256 amountOutMin, string memo)',
    args: () => ({
      vault: P.vault,
      target: P.relayer,
      amount: AMOUNT,
      finalAsset: P.token,
      to: P.recipient,
      amountOutMin: 1n,
      memo: `OUT:${ID.slice(2)}`,
    }),
    from: P.vault,
    expect: () => [
      { action: 'bridge_in', from_address: P.vault, to_address: P.recipient, token: 'native', amount: AMOUNT.toString(), bridge_ref: ID },
    ],
  },
  'cctp.deposit_for_burn': {
    abi: 'event DepositForBurn(uint64 indexed nonce, address indexed burnToken, uint256 amount, address indexed depositor, bytes32 mintRecipient, uint32 destinationDomain, bytes32 destinationTokenMessenger, bytes32 destinationCaller)',
    args: () => ({
      nonce: 314159n,
      burnToken: P.token,
      amount: AMOUNT,
      depositor: P.user,
      mintRecipient: ID,
      destinationDomain: 5,
      destinationTokenMessenger: ID,
      destinationCaller: b32('0x00'),
    }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: ID,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'solana',
        bridge_ref: `${CCTP_DOMAIN[c.chain]}:314159`,
      },
    ],
  },
  'cctp.mint_and_withdraw': {
    abi: 'event MintAndWithdraw(address indexed mintRecipient, uint256 amount, address indexed mintToken)',
    args: () => ({ mintRecipient: P.recipient, amount: AMOUNT, mintToken: P.token }),
    from: P.relayer,
    expect: () => [{ action: 'bridge_in', to_address: P.recipient, token: P.token, amount: AMOUNT.toString(), bridge_ref: '' }],
  },
  'debridge.sent': {
    abi: 'event Sent(bytes32 submissionId, bytes32 indexed debridgeId, uint256 amount, bytes receiver, uint256 nonce, uint256 indexed chainIdTo, uint32 referralCode, (uint256 receivedAmount, uint256 fixFee, uint256 transferFee, bool useAssetFee, bool isNativeToken) feeParams, bytes autoParams, address nativeSender)',
    args: () => ({
      submissionId: ID,
      debridgeId: b32(P.token),
      amount: AMOUNT,
      receiver: P.recipient,
      nonce: 3n,
      chainIdTo: 7565164n,
      referralCode: 0,
      feeParams: { receivedAmount: AMOUNT + 9n, fixFee: 1n, transferFee: 8n, useAssetFee: true, isNativeToken: true },
      autoParams: '0x',
      nativeSender: P.user,
    }),
    from: P.user,
    expect: () => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: 'native',
        amount: AMOUNT.toString(),
        counterparty_chain: 'solana',
        bridge_ref: ID,
      },
    ],
  },
  'debridge.claimed': {
    abi: 'event Claimed(bytes32 submissionId, bytes32 indexed debridgeId, uint256 amount, address indexed receiver, uint256 nonce, uint256 indexed chainIdFrom, bytes autoParams, bool isNativeToken)',
    args: () => ({
      submissionId: ID,
      debridgeId: b32(P.token),
      amount: AMOUNT,
      receiver: P.recipient,
      nonce: 3n,
      chainIdFrom: 56n,
      autoParams: '0x',
      isNativeToken: false,
    }),
    from: P.relayer,
    expect: () => [
      { action: 'bridge_in', to_address: P.recipient, token: '', amount: AMOUNT.toString(), counterparty_chain: 'bsc', bridge_ref: ID },
    ],
  },
  'hop.transfer_sent_to_l2': {
    abi: 'event TransferSentToL2(uint256 indexed chainId, address indexed recipient, uint256 amount, uint256 amountOutMin, uint256 deadline, address indexed relayer, uint256 relayerFee)',
    args: () => ({
      chainId: 100n,
      recipient: P.recipient,
      amount: AMOUNT,
      amountOutMin: 0n,
      deadline: 0n,
      relayer: P.relayer,
      relayerFee: 0n,
    }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: tok(c),
        amount: AMOUNT.toString(),
        counterparty_chain: 'gnosis',
        bridge_ref: '',
      },
    ],
  },
  'hop.transfer_sent': {
    abi: 'event TransferSent(bytes32 indexed transferId, uint256 indexed chainId, address indexed recipient, uint256 amount, bytes32 transferNonce, uint256 bonderFee, uint256 index, uint256 amountOutMin, uint256 deadline)',
    args: () => ({
      transferId: ID,
      chainId: 1n,
      recipient: P.recipient,
      amount: AMOUNT,
      transferNonce: ID,
      bonderFee: 5n,
      index: 0n,
      amountOutMin: 0n,
      deadline: 0n,
    }),
    from: P.user,
    expect: ({ contract: c }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: tok(c),
        amount: AMOUNT.toString(),
        counterparty_chain: 'ethereum',
        bridge_ref: ID,
      },
    ],
  },
  'hop.withdrawal_bonded': {
    abi: 'event WithdrawalBonded(bytes32 indexed transferId, uint256 amount)',
    args: () => ({ transferId: ID, amount: AMOUNT }),
    from: P.relayer,
    expect: ({ contract: c }) => [
      { action: 'bridge_in', from_address: c.address, to_address: '', amount: AMOUNT.toString(), bridge_ref: ID },
    ],
  },
  'hop.withdrew': {
    abi: 'event Withdrew(bytes32 indexed transferId, address indexed recipient, uint256 amount, bytes32 transferNonce)',
    args: () => ({ transferId: ID, recipient: P.recipient, amount: AMOUNT, transferNonce: ID }),
    from: P.recipient,
    expect: () => [{ action: 'bridge_in', to_address: P.recipient, amount: AMOUNT.toString(), bridge_ref: ID }],
  },
  'hop.transfer_from_l1_completed': {
    abi: 'event TransferFromL1Completed(address indexed recipient, uint256 amount, uint256 amountOutMin, uint256 deadline, address indexed relayer, uint256 relayerFee)',
    args: () => ({ recipient: P.recipient, amount: AMOUNT, amountOutMin: 0n, deadline: 0n, relayer: P.relayer, relayerFee: 0n }),
    from: P.relayer,
    expect: () => [
      { action: 'bridge_in', to_address: P.recipient, amount: AMOUNT.toString(), counterparty_chain: 'ethereum', bridge_ref: '' },
    ],
  },
  'axelar.contract_call_with_token': {
    abi: 'event ContractCallWithToken(address indexed sender, string destinationChain, string destinationContractAddress, bytes32 indexed payloadHash, bytes payload, string symbol, uint256 amount)',
    args: () => ({
      sender: P.user,
      destinationChain: 'binance',
      destinationContractAddress: '0xABCDEFabcdefABCDEFabcdefABCDEFabcdefABCD',
      payloadHash: ID,
      payload: '0x1234',
      symbol: 'axlUSDC',
      amount: AMOUNT,
    }),
    from: P.user,
    expect: ({ txHash, logIndex }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd',
        token_symbol: 'axlUSDC',
        amount: AMOUNT.toString(),
        counterparty_chain: 'bsc',
        bridge_ref: `${txHash}:${logIndex}`,
      },
    ],
  },
  'axelar.token_sent': {
    abi: 'event TokenSent(address indexed sender, string destinationChain, string destinationAddress, string symbol, uint256 amount)',
    args: () => ({ sender: P.user, destinationChain: 'osmosis', destinationAddress: 'osmo1qqqqqq', symbol: 'WETH', amount: AMOUNT }),
    from: P.user,
    expect: ({ txHash, logIndex }) => [
      {
        action: 'bridge_out',
        to_address: 'osmo1qqqqqq',
        token_symbol: 'WETH',
        amount: AMOUNT.toString(),
        counterparty_chain: 'osmosis',
        bridge_ref: `${txHash}:${logIndex}`,
      },
    ],
  },
  'axelar.contract_call_approved_with_mint': {
    abi: 'event ContractCallApprovedWithMint(bytes32 indexed commandId, string sourceChain, string sourceAddress, address indexed contractAddress, bytes32 indexed payloadHash, string symbol, uint256 amount, bytes32 sourceTxHash, uint256 sourceEventIndex)',
    args: () => ({
      commandId: ID,
      sourceChain: 'Ethereum',
      sourceAddress: '0x1111111111111111111111111111111111111111',
      contractAddress: P.recipient,
      payloadHash: ID,
      symbol: 'axlUSDC',
      amount: AMOUNT,
      sourceTxHash: ID,
      sourceEventIndex: 12n,
    }),
    from: P.relayer,
    expect: () => [
      {
        action: 'bridge_in',
        from_address: P.user,
        to_address: P.recipient,
        amount: AMOUNT.toString(),
        counterparty_chain: 'ethereum',
        bridge_ref: `${ID}:12`,
      },
    ],
  },
  'allbridge.tokens_sent': {
    abi: 'event TokensSent(uint256 amount, bytes32 recipient, uint256 destinationChainId, bytes32 receiveToken, uint256 nonce, uint8 messenger)',
    args: () => ({
      amount: 1_000_000n,
      recipient: b32(P.recipient),
      destinationChainId: 3n,
      receiveToken: b32(P.token),
      nonce: BigInt(ID),
      messenger: 1,
    }),
    from: P.user,
    expect: () => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token_symbol: 'vUSD',
        decimals: 3,
        amount: '1000000',
        counterparty_chain: 'allbridge:3',
        bridge_ref: ID,
      },
    ],
  },
  'allbridge.tokens_received': {
    abi: 'event TokensReceived(uint256 amount, bytes32 recipient, uint256 nonce, uint8 messenger, bytes32 message)',
    args: () => ({ amount: AMOUNT, recipient: b32(P.recipient), nonce: BigInt(ID), messenger: 1, message: b32(P.vault) }),
    from: P.relayer,
    expect: () => [{ action: 'bridge_in', to_address: P.recipient, amount: AMOUNT.toString(), bridge_ref: ID }],
  },
  'ronin.v1_token_deposited': {
    abi: 'event TokenDeposited(uint256 indexed _depositId, address indexed _owner, address indexed _tokenAddress, address _sidechainAddress, uint32 _standard, uint256 _tokenNumber)',
    args: () => ({
      _depositId: 1948483n,
      _owner: P.user,
      _tokenAddress: P.token,
      _sidechainAddress: P.vault,
      _standard: 20,
      _tokenNumber: AMOUNT,
    }),
    from: P.user,
    expect: () => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.user,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'ronin',
        bridge_ref: 'ronin-v1:deposit:1948483',
      },
    ],
  },
  'ronin.v1_token_withdrew': {
    abi: 'event TokenWithdrew(uint256 indexed _withdrawId, address indexed _owner, address indexed _tokenAddress, uint256 _tokenNumber)',
    args: () => ({ _withdrawId: 1025699n, _owner: P.recipient, _tokenAddress: P.token, _tokenNumber: AMOUNT }),
    from: P.recipient,
    expect: () => [
      {
        action: 'bridge_in',
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'ronin',
        bridge_ref: 'ronin-v1:withdrawal:1025699',
      },
    ],
  },
  'ronin.deposit_requested': {
    abi: 'event DepositRequested(bytes32 receiptHash, (uint256 id, uint8 kind, (address addr, address tokenAddr, uint256 chainId) mainchain, (address addr, address tokenAddr, uint256 chainId) ronin, (uint8 erc, uint256 id, uint256 quantity) info) receipt)',
    args: () => ({
      receiptHash: ID,
      receipt: {
        id: 5n,
        kind: 0,
        mainchain: { addr: P.user, tokenAddr: P.token, chainId: 1n },
        ronin: { addr: P.recipient, tokenAddr: P.vault, chainId: 2020n },
        info: { erc: 0, id: 0n, quantity: AMOUNT },
      },
    }),
    from: P.user,
    expect: () => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'ronin',
        bridge_ref: 'ronin:deposit:5',
      },
    ],
  },
  'ronin.withdrew': {
    abi: 'event Withdrew(bytes32 receiptHash, (uint256 id, uint8 kind, (address addr, address tokenAddr, uint256 chainId) mainchain, (address addr, address tokenAddr, uint256 chainId) ronin, (uint8 erc, uint256 id, uint256 quantity) info) receipt)',
    args: () => ({
      receiptHash: ID,
      receipt: {
        id: 6n,
        kind: 1,
        mainchain: { addr: P.recipient, tokenAddr: P.token, chainId: 1n },
        ronin: { addr: P.user, tokenAddr: P.vault, chainId: 2020n },
        info: { erc: 0, id: 0n, quantity: AMOUNT },
      },
    }),
    from: P.relayer,
    expect: () => [
      {
        action: 'bridge_in',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'ronin',
        bridge_ref: 'ronin:withdrawal:6',
      },
    ],
  },
});

// Synapse: departures (recipient indexed, chainId/token/amount first) and arrivals (kappa indexed).
const synOut: Array<[string, string, string]> = [
  ['synapse.token_deposit', 'TokenDeposit', ''],
  ['synapse.token_redeem', 'TokenRedeem', ''],
  ['synapse.token_deposit_and_swap', 'TokenDepositAndSwap', ', uint8 tokenIndexFrom, uint8 tokenIndexTo, uint256 minDy, uint256 deadline'],
  ['synapse.token_redeem_and_swap', 'TokenRedeemAndSwap', ', uint8 tokenIndexFrom, uint8 tokenIndexTo, uint256 minDy, uint256 deadline'],
  ['synapse.token_redeem_and_remove', 'TokenRedeemAndRemove', ', uint8 swapTokenIndex, uint256 swapMinAmount, uint256 swapDeadline'],
];
for (const [name, event, tail] of synOut) {
  SAMPLES[name] = {
    abi: `event ${event}(address indexed to, uint256 chainId, address token, uint256 amount${tail})`,
    args: () => ({
      to: P.recipient,
      chainId: 43114n,
      token: P.token,
      amount: AMOUNT,
      tokenIndexFrom: 0,
      tokenIndexTo: 1,
      minDy: 0n,
      deadline: 0n,
      swapTokenIndex: 0,
      swapMinAmount: 0n,
      swapDeadline: 0n,
    }),
    from: P.user,
    expect: ({ txHash }) => [
      {
        action: 'bridge_out',
        from_address: P.user,
        to_address: P.recipient,
        token: P.token,
        amount: AMOUNT.toString(),
        counterparty_chain: 'avalanche',
        bridge_ref: keccak256(txHash as `0x${string}`),
      },
    ],
  };
}
SAMPLES['synapse.token_redeem_v2'] = {
  abi: 'event TokenRedeemV2(bytes32 indexed to, uint256 chainId, address token, uint256 amount)',
  args: () => ({ to: ID, chainId: 1313161554n, token: P.token, amount: AMOUNT }),
  from: P.user,
  expect: ({ txHash }) => [
    {
      action: 'bridge_out',
      to_address: ID,
      amount: AMOUNT.toString(),
      counterparty_chain: 'synapse:1313161554',
      bridge_ref: keccak256(txHash as `0x${string}`),
    },
  ],
};
const synIn: Array<[string, string, string]> = [
  ['synapse.token_withdraw', 'TokenWithdraw', ''],
  ['synapse.token_mint', 'TokenMint', ''],
  [
    'synapse.token_mint_and_swap',
    'TokenMintAndSwap',
    ', uint8 tokenIndexFrom, uint8 tokenIndexTo, uint256 minDy, uint256 deadline, bool swapSuccess',
  ],
  [
    'synapse.token_withdraw_and_remove',
    'TokenWithdrawAndRemove',
    ', uint8 swapTokenIndex, uint256 swapMinAmount, uint256 swapDeadline, bool swapSuccess',
  ],
];
for (const [name, event, tail] of synIn) {
  SAMPLES[name] = {
    abi: `event ${event}(address indexed to, address token, uint256 amount, uint256 fee${tail}, bytes32 indexed kappa)`,
    args: () => ({
      to: P.recipient,
      token: P.token,
      amount: AMOUNT,
      fee: 7n,
      tokenIndexFrom: 0,
      tokenIndexTo: 1,
      minDy: 0n,
      deadline: 0n,
      swapSuccess: true,
      swapTokenIndex: 0,
      swapMinAmount: 0n,
      swapDeadline: 0n,
      kappa: ID,
    }),
    from: P.relayer,
    expect: ({ contract: c }) => [
      { action: 'bridge_in', from_address: c.address, to_address: P.recipient, token: P.token, amount: AMOUNT.toString(), bridge_ref: ID },
    ],
  };
}
SAMPLES['synapse.circle_request_sent'] = {
  abi: 'event CircleRequestSent(uint256 chainId, address indexed sender, uint64 nonce, address token, uint256 amount, uint32 requestVersion, bytes formattedRequest, bytes32 requestID)',
  args: () => ({
    chainId: 10n,
    sender: P.user,
    nonce: 5n,
    token: P.token,
    amount: AMOUNT,
    requestVersion: 0,
    formattedRequest: '0x0102',
    requestID: ID,
  }),
  from: P.user,
  expect: () => [
    {
      action: 'bridge_out',
      from_address: P.user,
      token: P.token,
      amount: AMOUNT.toString(),
      counterparty_chain: 'optimism',
      bridge_ref: ID,
    },
  ],
};
SAMPLES['synapse.circle_request_fulfilled'] = {
  abi: 'event CircleRequestFulfilled(uint32 originDomain, address indexed recipient, address mintToken, uint256 fee, address token, uint256 amount, bytes32 requestID)',
  args: () => ({ originDomain: 3, recipient: P.recipient, mintToken: P.vault, fee: 1n, token: P.token, amount: AMOUNT, requestID: ID }),
  from: P.relayer,
  expect: () => [
    {
      action: 'bridge_in',
      to_address: P.recipient,
      token: P.token,
      amount: AMOUNT.toString(),
      counterparty_chain: 'arbitrum',
      bridge_ref: ID,
    },
  ],
};

// Synapse FastBridge (RFQ): the request is the abi-encoded BridgeTransaction (12 static words).
const rfqRequest = encodeAbiParameters(
  [
    {
      type: 'tuple',
      components: [
        { name: 'originChainId', type: 'uint32' },
        { name: 'destChainId', type: 'uint32' },
        { name: 'originSender', type: 'address' },
        { name: 'destRecipient', type: 'address' },
        { name: 'originToken', type: 'address' },
        { name: 'destToken', type: 'address' },
        { name: 'originAmount', type: 'uint256' },
        { name: 'destAmount', type: 'uint256' },
        { name: 'originFeeAmount', type: 'uint256' },
        { name: 'sendChainGas', type: 'bool' },
        { name: 'deadline', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
      ],
    },
  ],
  [
    {
      originChainId: 1,
      destChainId: 42161,
      originSender: P.user,
      destRecipient: P.recipient,
      originToken: P.token,
      destToken: P.vault,
      originAmount: AMOUNT,
      destAmount: AMOUNT - 1n,
      originFeeAmount: 0n,
      sendChainGas: false,
      deadline: 0n,
      nonce: 1n,
    },
  ],
);
SAMPLES['synapse.bridge_requested'] = {
  abi: 'event BridgeRequested(bytes32 indexed transactionId, address indexed sender, bytes request, uint32 destChainId, address originToken, address destToken, uint256 originAmount, uint256 destAmount, bool sendChainGas)',
  args: () => ({
    transactionId: ID,
    sender: P.user,
    request: rfqRequest,
    destChainId: 42161,
    originToken: P.token,
    destToken: P.vault,
    originAmount: AMOUNT,
    destAmount: AMOUNT - 1n,
    sendChainGas: false,
  }),
  from: P.user,
  expect: () => [
    {
      action: 'bridge_out',
      from_address: P.user,
      to_address: P.recipient,
      token: P.token,
      amount: AMOUNT.toString(),
      counterparty_chain: 'arbitrum',
      bridge_ref: ID,
    },
  ],
};
SAMPLES['synapse.bridge_relayed'] = {
  abi: 'event BridgeRelayed(bytes32 indexed transactionId, address indexed relayer, address indexed to, uint32 originChainId, address originToken, address destToken, uint256 originAmount, uint256 destAmount, uint256 chainGasAmount)',
  args: () => ({
    transactionId: ID,
    relayer: P.relayer,
    to: P.recipient,
    originChainId: 1,
    originToken: P.token,
    destToken: P.vault,
    originAmount: AMOUNT,
    destAmount: AMOUNT - 1n,
    chainGasAmount: 0n,
  }),
  from: P.relayer,
  expect: () => [
    {
      action: 'bridge_in',
      from_address: P.relayer,
      to_address: P.recipient,
      token: P.vault,
      amount: (AMOUNT - 1n).toString(),
      counterparty_chain: 'ethereum',
      bridge_ref: ID,
    },
  ],
};

// Harmony ethhmy-bridge managers.
SAMPLES['harmony.locked'] = {
  abi: 'event Locked(address indexed token, address indexed sender, uint256 amount, address recipient)',
  args: () => ({ token: '0x00eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', sender: P.user, amount: AMOUNT, recipient: P.recipient }),
  from: P.user,
  value: AMOUNT,
  expect: ({ txHash }) => [
    {
      action: 'bridge_out',
      from_address: P.user,
      to_address: P.recipient,
      token: 'native',
      amount: AMOUNT.toString(),
      counterparty_chain: 'harmony',
      bridge_ref: txHash,
    },
  ],
};
SAMPLES['harmony.unlocked'] = {
  abi: 'event Unlocked(address ethToken, uint256 amount, address recipient, bytes32 receiptId)',
  args: () => ({ ethToken: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', amount: 1_000_000n, recipient: P.recipient, receiptId: ID }),
  from: P.vault,
  expect: ({ contract: c }) => [
    {
      action: 'bridge_in',
      from_address: c.address,
      to_address: P.recipient,
      token: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      token_symbol: 'USDC',
      decimals: 6,
      amount: '1000000',
      counterparty_chain: 'harmony',
      bridge_ref: ID,
    },
  ],
};
SAMPLES['harmony.unlocked_busd'] = {
  abi: 'event Unlocked(uint256 amount, address recipient)',
  args: () => ({ amount: AMOUNT, recipient: P.recipient }),
  from: P.vault,
  expect: () => [
    {
      action: 'bridge_in',
      to_address: P.recipient,
      token_symbol: 'BUSD',
      amount: AMOUNT.toString(),
      counterparty_chain: 'harmony',
      bridge_ref: '',
    },
  ],
};
