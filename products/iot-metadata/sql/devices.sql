-- Current placement of every device: its latest row in the placements sheet.
SELECT
  TRIM(device_id) AS device_id,
  TRIM(tenant_id) AS tenant_id,
  building,
  floor,
  room,
  room_capacity,
  outdoor_co2_ppm,
  valid_from AS placed_since,
  CURRENT_TIMESTAMP() AS refreshed_at
FROM {{ input.placements-sheet }}
WHERE device_id IS NOT NULL
  AND tenant_id IS NOT NULL
  AND (valid_to IS NULL OR valid_to > CURRENT_TIMESTAMP())
QUALIFY ROW_NUMBER() OVER (PARTITION BY TRIM(device_id) ORDER BY valid_from DESC) = 1
