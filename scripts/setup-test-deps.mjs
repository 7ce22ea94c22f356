#!/usr/bin/env node
// Installs what the test suite needs beyond npm packages, once, so that `npm test` works on a
// fresh machine: the Apache Kafka broker jars (resolved by mvn into deploy/kafka/lib) and
// Prometheus (Debian's `prometheus` package: promtool and the server one test scrapes with).
// Runs as npm's `pretest`. Set MIXWATCH_SKIP_SETUP=1 to skip.
import { execFileSync, spawnSync } from 'node:child_process';

if (process.env.MIXWATCH_SKIP_SETUP) process.exit(0);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const canApt = isRoot && has('apt-get');
let aptUpdated = false;
/** Installs Debian packages (as root); says what failed instead of throwing. */
function aptInstall(packages, why) {
  console.error(`setup: installing ${packages.join(', ')} (apt-get) for ${why}…`);
  try {
    if (!aptUpdated) execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    aptUpdated = true;
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    console.error(`setup: apt-get install ${packages.join(' ')} failed: ${error.message}`);
  }
}

// Java 17 and Maven run the Kafka broker the scaled-deployment tests start. This machine kind has
// them; a bare one gets them from Debian's packages when we may install.
if ((!has('java') || !has('mvn')) && canApt) aptInstall(['openjdk-17-jre-headless', 'maven'], 'the Kafka broker');

const { ensureKafkaJars } = await import('../deploy/kafka/broker.mjs');
try {
  await ensureKafkaJars({ quiet: true });
  console.error('setup: Kafka broker jars present (deploy/kafka/lib)');
} catch (error) {
  console.error(
    `setup: could not resolve the Kafka jars: ${error.message}\n  Kafka tests will fail; install Java 17 and Maven, then re-run.`,
  );
}

if (!has('promtool') || !has('prometheus')) {
  if (canApt) aptInstall(['prometheus'], 'promtool and the observability test');
  else console.error('setup: Prometheus is not installed; the observability test needs it: `sudo apt-get install prometheus`');
}
