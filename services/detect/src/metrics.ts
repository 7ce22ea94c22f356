import { Gauge, type Registry } from 'prom-client';

/**
 * Detection metrics not (yet) in `@mixwatch/core` createMetrics: bridge leg pairing. Registered
 * once per registry. Names follow `mixwatch_<subsystem>_<what>_<unit>`.
 * TODO(lead): move into packages/core/src/metrics.ts (see the detect report).
 */
export function detectMetrics(registry: Registry) {
  const gauge = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [registry] });
  return {
    bridgeDepartures: gauge('mixwatch_detect_bridge_departures', 'Bridge departures (bridge_out) seen by detect since start.'),
    bridgePaired: gauge('mixwatch_detect_bridge_paired', 'Bridge departures paired with their arrival since start.'),
    pairingRatio: gauge(
      'mixwatch_detect_bridge_pairing_ratio',
      'Paired / departures since start (0..1); per service: SELECT * FROM mixwatch.bridge_pairing_rate.',
    ),
  };
}
