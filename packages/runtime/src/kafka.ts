import type { Bus } from '@mixwatch/bus';
import type { Config } from '@mixwatch/config';
import { type Common, FatalError } from '@mixwatch/core';

/** Builds the Kafka bus from `config.bus.kafka`. (Implemented by the scaled-deployment work.) */
export async function createKafkaBusFromConfig(_config: Config, _common: Common): Promise<Bus> {
  throw new FatalError('the Kafka bus is not implemented yet: unset MIXWATCH_KAFKA_BROKERS to use the embedded bus');
}
