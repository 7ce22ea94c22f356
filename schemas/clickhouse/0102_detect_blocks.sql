-- Where each derived row comes from (chain id and block of the flow), so a reorg retraction can
-- delete exactly the rows derived from orphaned blocks, however old.

ALTER TABLE mixwatch.taint ADD COLUMN IF NOT EXISTS flow_chain_id UInt32 DEFAULT 0 COMMENT 'chain id of the flow that tainted it';
ALTER TABLE mixwatch.taint ADD COLUMN IF NOT EXISTS block_number UInt64 DEFAULT 0 COMMENT 'block of the flow that tainted it';
ALTER TABLE mixwatch.taint_flows ADD COLUMN IF NOT EXISTS chain_id UInt32 DEFAULT 0;
ALTER TABLE mixwatch.taint_flows ADD COLUMN IF NOT EXISTS block_number UInt64 DEFAULT 0;
ALTER TABLE mixwatch.bridge_pairs ADD COLUMN IF NOT EXISTS out_chain_id UInt32 DEFAULT 0;
ALTER TABLE mixwatch.bridge_pairs ADD COLUMN IF NOT EXISTS out_block UInt64 DEFAULT 0;
ALTER TABLE mixwatch.bridge_pairs ADD COLUMN IF NOT EXISTS in_chain_id UInt32 DEFAULT 0;
ALTER TABLE mixwatch.bridge_pairs ADD COLUMN IF NOT EXISTS in_block UInt64 DEFAULT 0;
