import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric mixwatch exposes, defined in one place. Names follow
 * `mixwatch_<subsystem>_<what>_<unit>`. Labels never carry secrets (RPC URLs appear as
 * `rpc` = redacted host only).
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'mixwatch_process_' });
  const r = [registry];
  const m = {
    registry,
    // ingest
    chainHead: new Gauge({
      name: 'mixwatch_ingest_head_block',
      help: 'Latest block number seen at the RPC head.',
      labelNames: ['chain'],
      registers: r,
    }),
    chainCursor: new Gauge({
      name: 'mixwatch_ingest_cursor_block',
      help: 'Last block published by ingest (confirmed).',
      labelNames: ['chain'],
      registers: r,
    }),
    chainLagBlocks: new Gauge({
      name: 'mixwatch_ingest_lag_blocks',
      help: 'Head minus cursor, in blocks.',
      labelNames: ['chain'],
      registers: r,
    }),
    chainLagSeconds: new Gauge({
      name: 'mixwatch_ingest_lag_seconds',
      help: 'Wall clock minus the block time of the cursor, in seconds.',
      labelNames: ['chain'],
      registers: r,
    }),
    chainLastProgress: new Gauge({
      name: 'mixwatch_ingest_last_progress_timestamp_seconds',
      help: 'Unix time the chain cursor last advanced.',
      labelNames: ['chain'],
      registers: r,
    }),
    rpcRequests: new Counter({
      name: 'mixwatch_rpc_requests_total',
      help: 'JSON-RPC requests by method.',
      labelNames: ['chain', 'method'],
      registers: r,
    }),
    rpcErrors: new Counter({
      name: 'mixwatch_rpc_errors_total',
      help: 'JSON-RPC failures by method and kind.',
      labelNames: ['chain', 'method', 'kind'],
      registers: r,
    }),
    rpcDuration: new Histogram({
      name: 'mixwatch_rpc_request_duration_seconds',
      help: 'JSON-RPC latency by method.',
      labelNames: ['chain', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    getLogsSplits: new Counter({
      name: 'mixwatch_rpc_getlogs_splits_total',
      help: 'eth_getLogs ranges split after a provider refused them.',
      labelNames: ['chain'],
      registers: r,
    }),
    reorgs: new Counter({
      name: 'mixwatch_ingest_reorgs_total',
      help: 'Reorgs detected (parent-hash mismatch).',
      labelNames: ['chain'],
      registers: r,
    }),
    reorgDepth: new Gauge({
      name: 'mixwatch_ingest_last_reorg_depth_blocks',
      help: 'Depth of the last reorg.',
      labelNames: ['chain'],
      registers: r,
    }),
    flowsDecoded: new Counter({
      name: 'mixwatch_ingest_flows_total',
      help: 'Flows decoded and published.',
      labelNames: ['chain', 'service', 'action'],
      registers: r,
    }),
    logsDecoded: new Counter({
      name: 'mixwatch_ingest_logs_total',
      help: 'Logs fetched and dispatched.',
      labelNames: ['chain'],
      registers: r,
    }),
    logReadDisagreements: new Counter({
      name: 'mixwatch_ingest_log_read_disagreements_total',
      help: 'eth_getLogs reads of one range that differed from every earlier read of it (chains.<name>.logReads: 2): a provider dropped or added logs.',
      labelNames: ['chain'],
      registers: r,
    }),
    dlq: new Counter({
      name: 'mixwatch_dlq_items_total',
      help: 'Items sent to the dead-letter topic, by stage.',
      labelNames: ['stage', 'chain'],
      registers: r,
    }),
    // bus
    busPublished: new Counter({
      name: 'mixwatch_bus_messages_published_total',
      help: 'Messages published by topic.',
      labelNames: ['topic'],
      registers: r,
    }),
    busConsumed: new Counter({
      name: 'mixwatch_bus_messages_consumed_total',
      help: 'Messages handled by topic and consumer group.',
      labelNames: ['topic', 'group'],
      registers: r,
    }),
    busLag: new Gauge({
      name: 'mixwatch_bus_consumer_lag_messages',
      help: 'Messages waiting for a consumer group.',
      labelNames: ['topic', 'group'],
      registers: r,
    }),
    // store
    storeInsertRows: new Counter({
      name: 'mixwatch_store_insert_rows_total',
      help: 'Rows inserted by table.',
      labelNames: ['table'],
      registers: r,
    }),
    storeInsertDuration: new Histogram({
      name: 'mixwatch_store_insert_duration_seconds',
      help: 'Insert latency by table.',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    storeErrors: new Counter({
      name: 'mixwatch_store_errors_total',
      help: 'Store failures by operation.',
      labelNames: ['op'],
      registers: r,
    }),
    // sink
    sinkCursor: new Gauge({
      name: 'mixwatch_sink_cursor_block',
      help: 'Last block whose flows are durable in the store.',
      labelNames: ['chain'],
      registers: r,
    }),
    pipelineLatency: new Histogram({
      name: 'mixwatch_sink_checkpoint_latency_seconds',
      help: 'From ingest publishing a checkpoint to the sink making it durable.',
      labelNames: ['chain'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: r,
    }),
    // detect
    alerts: new Counter({
      name: 'mixwatch_detect_alerts_total',
      help: 'Alerts raised by rule and severity.',
      labelNames: ['rule', 'severity', 'chain'],
      registers: r,
    }),
    taintedAddresses: new Gauge({ name: 'mixwatch_detect_tainted_addresses', help: 'Addresses currently tainted.', registers: r }),
    bridgeDepartures: new Gauge({
      name: 'mixwatch_detect_bridge_departures',
      help: 'Bridge departures (bridge_out) seen by detect since start.',
      registers: r,
    }),
    bridgePaired: new Gauge({
      name: 'mixwatch_detect_bridge_paired',
      help: 'Bridge departures paired with their arrival since start.',
      registers: r,
    }),
    bridgePairingRatio: new Gauge({
      name: 'mixwatch_detect_bridge_pairing_ratio',
      help: 'Paired / departures since start (0..1); per service: SELECT * FROM mixwatch.bridge_pairing_rate.',
      registers: r,
    }),
    detectActive: new Gauge({
      name: 'mixwatch_detect_active',
      help: 'This detect replica holds flows partitions (1) or none (0: a standby, or an idle replica when replicas share the partitions). With detect.replicas.mode standby exactly one replica of a deployment should show 1.',
      registers: r,
    }),
    detectChains: new Gauge({
      name: 'mixwatch_detect_chains',
      help: 'Chains whose flows this detect replica handles (detect.replicas.mode = partitions).',
      registers: r,
    }),
    detectSweeps: new Counter({
      name: 'mixwatch_detect_sweeps_total',
      help: 'Sweeps of pending bridge departures for arrivals other detect replicas stored (detect.replicas.mode = partitions).',
      registers: r,
    }),
    // notify
    deliveries: new Counter({
      name: 'mixwatch_notify_deliveries_total',
      help: 'Alert deliveries by channel and outcome.',
      labelNames: ['channel', 'outcome'],
      registers: r,
    }),
    deliveryFailures: new Counter({
      name: 'mixwatch_notify_delivery_failures_total',
      help: 'Failed delivery attempts by channel and reason.',
      labelNames: ['channel', 'reason'],
      registers: r,
    }),
    outboxPending: new Gauge({
      name: 'mixwatch_notify_outbox_pending',
      help: 'Alerts waiting in the outbox.',
      labelNames: ['channel'],
      registers: r,
    }),
    // notify (appended by services/notify)
    notifyDeliveryDuration: new Histogram({
      name: 'mixwatch_notify_delivery_duration_seconds',
      help: 'Latency of successful webhook POSTs by channel.',
      labelNames: ['channel'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    notifyOutboxOldestAge: new Gauge({
      name: 'mixwatch_notify_outbox_oldest_age_seconds',
      help: 'Age of the oldest alert waiting in the outbox (pending or held) by channel; 0 when none waits.',
      labelNames: ['channel'],
      registers: r,
    }),
  };
  return m;
}

/** The metrics bag passed to every role. */
export type Metrics = ReturnType<typeof createMetrics>;
