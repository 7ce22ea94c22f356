import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A running anvil node. */
export interface Anvil {
  url: string;
  port: number;
  chainId: number;
  /** Raw JSON-RPC call; throws with the node's message on an error response. */
  rpc<T = any>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** Path of the anvil binary from the npm package @foundry-rs/anvil. */
export function anvilBinary(): string {
  const bin = join(root, 'node_modules/.bin/anvil');
  if (!existsSync(bin)) throw new Error('anvil not found: run `npm ci` (the npm package @foundry-rs/anvil provides it)');
  return bin;
}

/**
 * Starts anvil on 127.0.0.1 with the given chain id (automine: one block per transaction),
 * waits until it answers. `blockTime`: interval mining instead.
 */
export async function startAnvil(
  options: { chainId?: number; port?: number; blockTime?: number; timestamp?: number } = {},
): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  const chainId = options.chainId ?? 1;
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(chainId),
    '--silent',
    '--accounts',
    '2',
    '--gas-limit',
    '1000000000',
  ];
  if (options.blockTime) args.push('--block-time', String(options.blockTime));
  if (options.timestamp) args.push('--timestamp', String(options.timestamp));
  const child: ChildProcess = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited (${child.exitCode}): ${stderr}`);
    try {
      await rpc('eth_chainId');
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`anvil did not answer on ${url}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    chainId,
    rpc,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
