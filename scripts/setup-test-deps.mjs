#!/usr/bin/env node
// Installs what the test suite needs beyond npm packages, once, so that `npm test` works on a
// fresh machine: the Apache Kafka broker jars (resolved by mvn into deploy/kafka/lib) and
// Prometheus (Debian's `prometheus` package: promtool and the server one test scrapes with).
// Runs as npm's `pretest`. Set MIXWATCH_SKIP_SETUP=1 to skip.
import { execFileSync, spawnSync } from 'node:child_process';

if (process.env.MIXWATCH_SKIP_SETUP) process.exit(0);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
// Java 17 and Maven run the Kafka broker the scaled-deployment tests start. This machine kind has
// them; a bare one gets them from Debian's packages when we may install.
if ((!has('java') || !has('mvn')) && isRoot && has('apt-get')) {
  console.error('setup: installing Java 17 and Maven (apt-get) for the Kafka broker…');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'openjdk-17-jre-headless', 'maven'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    console.error(`setup: apt-get install openjdk-17-jre-headless maven failed: ${error.message}`);
  }
}

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
  if (isRoot && has('apt-get')) {
    console.error('setup: installing Prometheus (Debian package `prometheus`)…');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (error) {
      console.error(`setup: apt-get install prometheus failed: ${error.message}`);
    }
  } else {
    console.error('setup: Prometheus is not installed; the observability test needs it: `sudo apt-get install prometheus`');
  }
}
