import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeepReorgError, describeError, FatalError, isRetryable, RetryableError, redactSecrets, redactUrl } from './errors.ts';
import { parseRetryAfter, withRetry } from './retry.ts';

describe('errors and retry', () => {
  it('splits on retryability through the cause chain', () => {
    assert.ok(isRetryable(new RetryableError('x')));
    assert.ok(isRetryable(new Error('outer', { cause: new RetryableError('inner') })));
    assert.ok(!isRetryable(new FatalError('x', { cause: new RetryableError('inner') })));
    assert.ok(!isRetryable(new DeepReorgError('deep')));
    assert.ok(!isRetryable(new TypeError('bug')));
  });

  it('never shows the secret parts of URLs', () => {
    assert.equal(redactUrl('https://eth-mainnet.example/v2/SECRETKEY'), 'https://eth-mainnet.example/***');
    assert.equal(redactUrl('https://hooks.slack.com/services/T000/B000/XXXX'), 'https://hooks.slack.com/***');
    assert.equal(redactUrl('http://127.0.0.1:8545'), 'http://127.0.0.1:8545');
    const text = redactSecrets('failed at https://rpc.example/key123?x=1: timeout, then http://user:pw@10.0.0.1:8545/abc.');
    assert.equal(text, 'failed at https://rpc.example/***?***: timeout, then http://10.0.0.1:8545/***.');
    assert.ok(!describeError(new Error('a', { cause: new Error('https://x.example/SECRET') })).includes('SECRET'));
  });

  it('retries retryable errors, honours Retry-After, and stops on fatal ones', async () => {
    let n = 0;
    const delays: number[] = [];
    const v = await withRetry(
      async () => {
        n++;
        if (n < 3) throw new RetryableError('busy', { retryAfterMs: 5 });
        return 'ok';
      },
      { onRetry: (_e, _a, d) => delays.push(d) },
    );
    assert.equal(v, 'ok');
    assert.deepEqual(delays, [5, 5]);
    let m = 0;
    await assert.rejects(
      withRetry(async () => {
        m++;
        throw new FatalError('bad config');
      }),
      /bad config/,
    );
    assert.equal(m, 1);
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(new Date(Date.now() + 3000).toUTCString(), Date.now()) !== undefined, true);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});
