import { z } from 'zod';

const seconds = z.number().int().min(1);
const ratio = z.number().min(0).max(1);

/**
 * The `detect` key: rule thresholds and windows. Every value has a default chosen from the public
 * case record (MSMT report; FBI and industry write-ups of Harmony, Ronin, WazirX, Bybit); the
 * reason is next to each default and in docs/detection.md. Times are seconds of block time, never
 * wall clock (except `pipelineHealth`, which watches the wall clock by nature).
 */
export const detectConfigSchema = z
  .object({
    /**
     * How several detect replicas (scaled deployment) divide the flows. `standby` (default): one
     * replica holds every partition and the others stand by; every rule sees every chain in one
     * process, exactly as the embedded daemon. `partitions`: replicas share the flows partitions
     * (chains) like the sink does; what crosses chains (taint, bridge legs, service totals) goes
     * through ClickHouse. See docs/scaled-deployment.md for the trade-off.
     */
    replicas: z
      .object({
        mode: z.enum(['standby', 'partitions']).default('standby'),
        /**
         * `partitions` only: how often a replica looks in the store for the arrivals of its
         * pending bridge departures handled by other replicas, ms. Default 2 000.
         */
        sweepMs: z.number().int().min(50).default(2_000),
        /** `partitions` only: how often the other replicas' service day counts are read, ms. Default 30 000. */
        serviceRefreshMs: z.number().int().min(100).default(30_000),
      })
      .strict()
      .prefault({}),
    taint: z
      .object({
        /**
         * An address whose taint score is below this is not "tainted" for rules and is not propagated
         * further. Default 0.2: a Tornado withdrawal from a pool where 1 in 5 deposits of the window
         * came from tainted addresses; lower and every busy pool taints its ordinary users.
         */
        minScore: ratio.default(0.2),
        /** Longest propagation path kept. Default 6 hops: beyond that attribution is analyst work. */
        maxHops: z.number().int().min(1).max(64).default(6),
        /**
         * Transfers below this many whole units of a stablecoin do not propagate taint. Default 10:
         * dusting (tiny sends from hostile addresses to innocent ones) is the cheapest way to poison a
         * taint graph.
         */
        dustStablecoin: z.number().min(0).default(10),
        /** Same for native coins (whole ETH/BNB/…). Default 0.01. */
        dustNative: z.number().min(0).default(0.01),
      })
      .strict()
      .prefault({}),
    mixer: z
      .object({
        /**
         * Window of deposits that form a pool's anonymity set for a withdrawal. Default 30 days:
         * DPRK cases withdraw within days to weeks of depositing (Harmony Jan 2023: hours to days).
         */
        anonymityWindowSec: seconds.default(30 * 86_400),
        /** Multi-denomination profile: deposits and withdrawals of one actor within this window. Default 24 h. */
        profileWindowSec: seconds.default(86_400),
        /**
         * FIFO timing: a withdrawal is linked to the oldest unmatched tainted deposit of the same pool
         * when it comes within this delay. Default 6 h: scripted laundering withdraws soon after.
         */
        fifoMaxDelaySec: seconds.default(6 * 3_600),
      })
      .strict()
      .prefault({}),
    bridge: z
      .object({
        /**
         * Pairing by amount and time (bridges without a shared id): the arrival must come within this
         * delay of the departure. Default 6 h: liquidity bridges settle in minutes; 6 h covers slow
         * relayers without pairing unrelated transfers of a busy day.
         */
        pairWindowSec: seconds.default(6 * 3_600),
        /** Largest fee taken between the legs, as a fraction of the amount. Default 0.03 (3 %). */
        feeTolerance: ratio.default(0.03),
      })
      .strict()
      .prefault({}),
    rules: z
      .object({
        denominationBurst: z
          .object({
            /** Sliding window. Default 1 h (WazirX: 26 lots of 100 ETH in an hour). */
            windowSec: seconds.default(3_600),
            /** Lots in the window. Default 6: three or four lots an hour happen in busy weeks organically. */
            minLots: z.number().int().min(2).default(6),
            /**
             * Scripted cadence: coefficient of variation of the gaps between lots at most this. Default 0.6:
             * "every 6–8 minutes" has CV ≈ 0.1; organic arrivals (Poisson) have CV ≈ 1.
             */
            maxCadenceCv: z.number().min(0).default(0.6),
            /** Share of lots from related (tainted, commonly funded) or freshly funded addresses. Default 0.5. */
            minRelatedShare: ratio.default(0.5),
            /** "Freshly funded": first seen receiving value at most this long before its first lot. Default 48 h. */
            freshSec: seconds.default(48 * 3_600),
          })
          .strict()
          .prefault({}),
        mixerToBridge: z
          .object({
            /** A withdrawal recipient that bridges within this delay. Default 72 h (Harmony: same day to 3 days). */
            windowSec: seconds.default(72 * 3_600),
            /**
             * Only when the withdrawal carried taint (score ≥ taint.minScore) or the sender is tainted.
             * Default true: privacy users bridge after withdrawing every day; untainted hops are noise.
             */
            requireTaint: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
        stablecoinExit: z
          .object({
            /** Token symbols that are the DPRK exit. Default USDT, USDD (MSMT: USDT on TRON, then OTC). */
            symbols: z.array(z.string().min(1)).min(1).default(['USDT', 'USDD']),
          })
          .strict()
          .prefault({}),
        peelChain: z
          .object({
            /** Forwarding hops in a run. Default 3: two hops happen in any wallet reshuffle. */
            minHops: z.number().int().min(2).default(3),
            /** Each hop forwards at least this share of what the address received. Default 0.8. */
            minForwardRatio: ratio.default(0.8),
            /** Each hop forwards within this delay of receiving. Default 24 h. */
            maxHopDelaySec: seconds.default(86_400),
            /** Only runs that start at a tainted address. Default true (untainted runs: exchanges' sweeps look alike). */
            requireTaint: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
        freezableExposure: z
          .object({
            /** Tokens whose issuer can freeze a holder. Default USDT, USDC, USDD. */
            symbols: z.array(z.string().min(1)).min(1).default(['USDT', 'USDC', 'USDD']),
            /** Balance (whole units) a tainted address must hold. Default 10 000: worth a freeze request. */
            minBalance: z.number().min(0).default(10_000),
          })
          .strict()
          .prefault({}),
        serviceConsistency: z
          .object({
            /** Sliding window in days. Default 30 (Recommendation 11: "consistently used"). */
            windowDays: z.number().int().min(1).max(365).default(30),
            /** Days in the window with tainted use. Default 3. */
            minDays: z.number().int().min(1).default(3),
            /** Tainted flows / all flows of the service over the window. Default 0.01 (1 %). */
            minShare: ratio.default(0.01),
          })
          .strict()
          .prefault({}),
        pipelineHealth: z
          .object({
            /** Consecutive failed polls before alerting. Default 5 (a flaky public RPC fails 1–2 in a row). */
            maxRpcFailures: z.number().int().min(1).default(5),
            /** Lag of the cursor behind the wall clock, seconds. Default 900 (15 min: alerts are useless later). */
            maxLagSec: seconds.default(900),
            /** Cursor unchanged while the head moves for this long (wall clock). Default 600. */
            stallSec: seconds.default(600),
            /** No heartbeat from a chain for this long (wall clock). Default 180. */
            silenceSec: seconds.default(180),
            /** How often silence is checked, ms. Default 15 000. */
            checkIntervalMs: z.number().int().min(10).default(15_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/** The validated `detect` settings. */
export type DetectConfig = z.infer<typeof detectConfigSchema>;
