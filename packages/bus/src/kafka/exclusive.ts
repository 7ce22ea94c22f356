import type { PartitionAssigner } from 'kafkajs';
import { AssignerProtocol } from './kafkajs.ts';

/** Name of the group protocol of {@link exclusiveAssigner} (every member of the group must use it). */
export const EXCLUSIVE_PROTOCOL = 'MixwatchExclusive';

/** What a member tells the group leader when it joins: when it first joined. */
interface ExclusiveUserData {
  since: number;
}

function sinceOf(metadata: Buffer): number {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    const data = JSON.parse(decoded?.userData?.toString('utf8') || '{}') as Partial<ExclusiveUserData>;
    return typeof data.since === 'number' && Number.isFinite(data.since) ? data.since : Number.POSITIVE_INFINITY;
  } catch {
    // A member that does not say when it joined ranks last.
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * A kafkajs partition assigner that gives every partition of the subscribed topics to one member:
 * the one that joined first (`since`, carried in the member metadata; ties broken by member id),
 * and nothing to the others. Sticky by construction: a member joining later never takes the
 * partitions from the one that holds them, so a rolling restart moves them once, not back and
 * forth. When the holder leaves (shutdown) or its session times out (crash), the next rebalance
 * hands everything to the member that joined first among those left.
 *
 * `since` must stay the same across a member's restarts of its kafkajs consumer (the bus passes
 * its own creation time), or a consumer restart would hand the partitions to a standby.
 */
export function exclusiveAssigner(since: number): PartitionAssigner {
  return ({ cluster }) => ({
    name: EXCLUSIVE_PROTOCOL,
    version: 1,
    protocol({ topics }) {
      return {
        name: EXCLUSIVE_PROTOCOL,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: Buffer.from(JSON.stringify({ since } satisfies ExclusiveUserData)),
        }),
      };
    },
    async assign({ members, topics }) {
      const owner = pickOwner(members.map((m) => ({ memberId: m.memberId, since: sinceOf(m.memberMetadata) })));
      const all: Record<string, number[]> = {};
      for (const topic of topics) all[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: m.memberId === owner ? all : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}

/** The member that joined first; ties (same millisecond) go to the smaller member id. */
function pickOwner(members: Array<{ memberId: string; since: number }>): string | undefined {
  let best: { memberId: string; since: number } | undefined;
  for (const m of members) {
    if (!best || m.since < best.since || (m.since === best.since && m.memberId < best.memberId)) best = m;
  }
  return best?.memberId;
}
