-- The warehouse's identity, given once: when it is created, or when an older one is upgraded
-- (a rebuilt database takes the identity its partitions' manifests carry).
INSERT INTO wh.meta.schema_info (key, value)
SELECT 'warehouse_id', $warehouse_id
WHERE NOT EXISTS (SELECT 1 FROM wh.meta.schema_info WHERE key = 'warehouse_id');
