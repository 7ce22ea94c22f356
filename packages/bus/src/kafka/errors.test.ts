import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FatalError, RetryableError } from '@mixwatch/core';
import kafkajs from 'kafkajs';
import { needsProducerReset, shouldRetryKafka, toBusError } from './errors.ts';

// kafkajs is CommonJS with a spread export node cannot name statically.
const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
// Typed with one argument, but kafkajs passes `{ cause }` as the second (src/errors.js).
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as new (e: unknown, o: { cause: unknown }) => Error;

const protocol = (type: string, retriable: boolean) => {
  const e = new KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 1, retriable }) as never);
  return Object.assign(e, { type });
};

test('connection errors are retried, also when kafkajs gave up and wrapped them', () => {
  const conn = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  assert.equal(shouldRetryKafka(conn), true);
  assert.equal(shouldRetryKafka(new KafkaJSNonRetriableError(conn, { cause: conn })), true);
  assert.equal(shouldRetryKafka(new KafkaJSNumberOfRetriesExceeded(conn as never, { retryCount: 5, retryTime: 100 } as never)), true);
  assert.ok(toBusError(conn, 'publish') instanceof RetryableError);
});

test('protocol errors follow the retriable mark kafkajs gives them', () => {
  assert.equal(shouldRetryKafka(protocol('LEADER_NOT_AVAILABLE', true)), true);
  assert.equal(shouldRetryKafka(protocol('TOPIC_AUTHORIZATION_FAILED', false)), false);
  assert.equal(shouldRetryKafka(protocol('MESSAGE_TOO_LARGE', false)), false);
  assert.ok(toBusError(protocol('TOPIC_AUTHORIZATION_FAILED', false), 'publish', { topic: 't' }) instanceof FatalError);
});

test('lost idempotent-producer state is retried with a new producer', () => {
  const e = protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', false);
  assert.equal(shouldRetryKafka(e), true);
  assert.equal(needsProducerReset(new KafkaJSNonRetriableError(e, { cause: e })), true);
  assert.equal(needsProducerReset(protocol('LEADER_NOT_AVAILABLE', true)), false);
});

test('our own tree decides first; unknown errors are not retried', () => {
  assert.equal(shouldRetryKafka(new FatalError('bad config', { cause: new KafkaJSConnectionError('x') })), false);
  assert.equal(shouldRetryKafka(new RetryableError('later')), true);
  assert.equal(shouldRetryKafka(new TypeError('undefined is not a function')), false);
  assert.match(toBusError(new Error('boom'), 'commit', {}).message, /^kafka: commit: boom$/);
});
