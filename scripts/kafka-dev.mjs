#!/usr/bin/env node
// `npm run kafka:dev`: a single-node Apache Kafka (KRaft, broker + controller) on 127.0.0.1 for
// development and CI, from the official jars resolved by mvn (deploy/kafka/pom.xml). No Docker.
//
// Usage: node scripts/kafka-dev.mjs [--port 9092] [--data .tmp/kafka] [--heap 1024]
//                                   [--fetch] [--detach] [--stop]
//   (no flag)  resolve the jars if needed, format the storage if new, run in the foreground (Ctrl-C stops)
//   --fetch    only resolve the jars into deploy/kafka/lib (CI's install step)
//   --detach   start in the background, wait until ready, write <data>/broker.pid, print the brokers, exit
//   --stop     stop the broker started with --detach (SIGTERM, controlled shutdown)
// Then: MIXWATCH_KAFKA_BROKERS=127.0.0.1:9092 npm start -- --roles ingest   (etc.)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureKafkaJars, kafkaVersion, startBroker } from '../deploy/kafka/broker.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const root = resolve(import.meta.dirname, '..');
const port = Number(value('--port', process.env.KAFKA_PORT ?? '9092'));
const dataDir = resolve(root, value('--data', '.tmp/kafka'));
const heapMb = Number(value('--heap', '1024'));
const pidFile = join(dataDir, 'broker.pid');

if (flag('--stop')) {
  if (!existsSync(pidFile)) {
    console.error(`no ${pidFile}: nothing started with --detach`);
    process.exit(1);
  }
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    console.error(`broker pid ${pid} is not running`);
  }
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(pidFile, { force: true });
  console.log(`stopped kafka (pid ${pid})`);
  process.exit(0);
}

const t0 = performance.now();
const lib = await ensureKafkaJars({ quiet: !flag('--verbose') });
const fetchMs = Math.round(performance.now() - t0);
if (flag('--fetch')) {
  console.log(`kafka ${kafkaVersion()} jars in ${lib} (${fetchMs} ms)`);
  process.exit(0);
}

if (flag('--detach')) {
  // Re-run this script in the foreground as a detached child and wait for its "ready" line.
  // The child must not keep this process's stdout/stderr open (a caller reading them, e.g. `$(…)`
  // in CI, would wait forever): its stderr goes to a file, its stdout pipe is closed once ready.
  mkdirSync(dataDir, { recursive: true });
  const errFile = openSync(join(dataDir, 'kafka-dev.log'), 'a');
  const child = spawn(process.execPath, [import.meta.filename, '--port', String(port), '--data', dataDir, '--heap', String(heapMb)], {
    detached: true,
    stdio: ['ignore', 'pipe', errFile],
  });
  let out = '';
  await new Promise((res, rej) => {
    child.stdout.on('data', (d) => {
      out += d.toString();
      if (out.includes('ready')) res();
    });
    child.once('exit', (code) =>
      rej(new Error(`kafka-dev exited with ${code} before it was ready (log: ${join(dataDir, 'kafka-dev.log')}):\n${out}`)),
    );
  });
  process.stdout.write(out);
  child.stdout.destroy();
  child.unref();
  process.exit(0);
}

const broker = await startBroker({ port, dataDir, heapMb, controllerPort: port + 1, handleSignals: false });
writeFileSync(pidFile, String(broker.pid));
console.log(
  `kafka ${kafkaVersion()} ready on ${broker.brokers.join(',')} (KRaft, data ${dataDir}; jars ${fetchMs} ms, start ${broker.startMs} ms)\n` +
    `  MIXWATCH_KAFKA_BROKERS=${broker.brokers.join(',')}`,
);
const shutdown = async () => {
  await broker.stop();
  rmSync(pidFile, { force: true });
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// Stay in the foreground while the broker runs; exit with it.
const timer = setInterval(() => {
  if (broker.exited()) {
    console.error(`kafka exited; log: ${join(dataDir, 'broker.log')}`);
    rmSync(pidFile, { force: true });
    process.exit(1);
  }
}, 500);
timer.unref?.();
setInterval(() => {}, 1 << 30);
