// A single-node Apache Kafka (KRaft: broker + controller in one JVM) on 127.0.0.1, started from
// the official jars that deploy/kafka/pom.xml resolves from Maven Central. Used by
// scripts/kafka-dev.mjs (`npm run kafka:dev`) and test/helpers/kafka.ts. Plain ESM JavaScript so
// that both a script and the TypeScript tests import it without a build step.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Folder of the resolved jars (gitignored). */
export const KAFKA_LIB = join(here, 'lib');

/** The Kafka version the pom resolves (read from the pom, one source of truth). */
export function kafkaVersion() {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(join(here, 'pom.xml'), 'utf8'));
  return m ? m[1] : 'unknown';
}

function jarsPresent() {
  if (!existsSync(KAFKA_LIB)) return false;
  const v = kafkaVersion();
  return readdirSync(KAFKA_LIB).some((f) => f === `kafka_2.13-${v}.jar`);
}

/**
 * Resolves the broker jars into deploy/kafka/lib with `mvn dependency:copy-dependencies`, once.
 * Several processes (parallel test files) may call this: a lock directory makes one of them run
 * mvn while the others wait.
 */
export async function ensureKafkaJars({ quiet = true } = {}) {
  if (jarsPresent()) return KAFKA_LIB;
  const lock = join(here, '.lib.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 600_000) throw new Error(`kafka jars: lock ${lock} held for 10 minutes; remove it if no mvn runs`);
      await new Promise((r) => setTimeout(r, 200));
      if (jarsPresent()) return KAFKA_LIB;
    }
  }
  try {
    if (!jarsPresent()) {
      const args = ['-B', ...(quiet ? ['-q'] : []), '-f', join(here, 'pom.xml'), 'dependency:copy-dependencies'];
      try {
        execFileSync('mvn', args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
      } catch (error) {
        const out = `${error.stdout ?? ''}${error.stderr ?? ''}`.slice(-2000);
        throw new Error(`kafka jars: mvn ${args.join(' ')} failed (is mvn installed and Maven Central reachable?)\n${out}`);
      }
      if (!jarsPresent()) throw new Error(`kafka jars: mvn ran but ${KAFKA_LIB} has no kafka_2.13-${kafkaVersion()}.jar`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return KAFKA_LIB;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * KRaft cluster ids are 16 random bytes, URL-safe base64 without padding (what StorageTool
 * random-uuid prints). Passed as `--cluster-id=<id>`: an id may start with `-`, which the tool's
 * argument parser would take for an option after `-t`.
 */
function clusterId() {
  return randomBytes(16).toString('base64url');
}

function serverProperties({ port, controllerPort, dataDir, partitions }) {
  return `# written by deploy/kafka/broker.mjs
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(dataDir, 'logs')}
num.partitions=${partitions}
auto.create.topics.enable=false
# single node: internal topics with one replica; fewer offset partitions start faster
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
# first consumer group join is immediate (dev and tests)
group.initial.rebalance.delay.ms=0
`;
}

/**
 * Starts a single-node KRaft broker on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {number} [options.port] client port; default a free one.
 * @param {number} [options.controllerPort] controller port; default a free one.
 * @param {string} options.dataDir folder for the config, the KRaft metadata and the logs (formatted when new).
 * @param {number} [options.heapMb] JVM heap, default 512.
 * @param {number} [options.partitions] default partitions of auto-created topics (none are auto-created), default 1.
 * @param {number} [options.readyTimeoutMs] default 120_000.
 * @param {string[]} [options.jvmArgs] extra JVM options (tests: `-XX:TieredStopAtLevel=1` starts faster).
 * @param {boolean} [options.handleSignals] kill the JVM on SIGINT/SIGTERM/SIGHUP of this process, default true
 *   (false when the caller stops the broker gracefully itself, as scripts/kafka-dev.mjs does).
 * @returns {Promise<{brokers: string[], port: number, controllerPort: number, dataDir: string, pid: number, startMs: number,
 *   stop: () => Promise<void>, kill: () => Promise<void>, restart: () => Promise<number>, exited: () => boolean}>}
 *   `stop` is SIGTERM (controlled shutdown), `kill` SIGKILL, `restart` starts it again on the same ports and data
 *   (resolves with the start time in ms). `startMs`: time from spawn to "Kafka Server started".
 */
export async function startBroker(options) {
  const lib = await ensureKafkaJars();
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort());
  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const propsFile = join(dataDir, 'server.properties');
  writeFileSync(propsFile, serverProperties({ port, controllerPort, dataDir, partitions: options.partitions ?? 1 }));
  const cp = `${lib}/*`;
  const jvm = [
    `-Xms${Math.min(256, options.heapMb ?? 512)}m`,
    `-Xmx${options.heapMb ?? 512}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(here, 'log4j.properties')}`,
    ...(options.jvmArgs ?? []),
  ];
  if (!existsSync(join(dataDir, 'logs', 'meta.properties'))) {
    try {
      execFileSync('java', [...jvm, '-cp', cp, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId()}`, '-c', propsFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      throw new Error(`kafka: formatting KRaft storage in ${dataDir} failed: ${`${error.stderr ?? error.message}`.slice(-1000)}`);
    }
  }

  let child;
  let exited = false;
  // Never leave an orphan JVM: kill it when this process exits, or is told to (the handler runs
  // once, then the signal is raised again so the process ends as it would have).
  const killOnExit = () => child && !exited && child.kill('SIGKILL');
  process.on('exit', killOnExit);
  for (const sig of options.handleSignals === false ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    if (process.listenerCount(sig) > 0) continue;
    process.once(sig, () => {
      killOnExit();
      process.kill(process.pid, sig);
    });
  }

  async function launch() {
    const started = performance.now();
    const logPath = join(dataDir, 'broker.log');
    const log = createWriteStream(logPath, { flags: 'a' });
    exited = false;
    child = spawn('java', [...jvm, '-cp', cp, 'kafka.Kafka', propsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    let text = '';
    const onData = (d) => {
      text += d.toString();
      if (text.length > 100_000) text = text.slice(-50_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    exitPromise.then(() => {
      exited = true;
    });
    const timeout = options.readyTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeout;
    while (!/Kafka Server started/.test(text)) {
      if (exited) throw new Error(`kafka broker exited during start (log: ${logPath}):\n${text.slice(-2000)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`kafka broker not ready after ${timeout} ms (log: ${logPath}):\n${text.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitPort(port, deadline);
    child.stdout.off('data', onData);
    child.stderr.off('data', onData);
    return { ms: Math.round(performance.now() - started), exitPromise };
  }

  let current = await launch();
  const stopWith = async (signal) => {
    if (!child || exited) return;
    const { exitPromise } = current;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exitPromise;
    clearTimeout(t);
  };
  const handle = {
    brokers: [`127.0.0.1:${port}`],
    port,
    controllerPort,
    dataDir,
    get pid() {
      return child.pid;
    },
    startMs: current.ms,
    exited: () => exited,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    async restart() {
      await stopWith('SIGTERM');
      current = await launch();
      return current.ms;
    },
  };
  return handle;
}

async function waitPort(port, deadline) {
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`kafka: port ${port} not open`);
}
