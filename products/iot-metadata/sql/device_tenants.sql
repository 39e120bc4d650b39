-- Device -> tenant and placement validity intervals. A row without an end date ends
-- where the next placement of the same device starts, so intervals never overlap.
SELECT
  device_id,
  tenant_id,
  valid_from,
  COALESCE(
    LEAST(valid_to, next_valid_from),
    valid_to,
    next_valid_from
  ) AS valid_to,
  building,
  floor,
  room,
  outdoor_co2_ppm,
  CURRENT_TIMESTAMP() AS refreshed_at
FROM (
  SELECT
    TRIM(device_id) AS device_id,
    TRIM(tenant_id) AS tenant_id,
    valid_from,
    valid_to,
    building,
    floor,
    room,
    outdoor_co2_ppm,
    LEAD(valid_from) OVER (PARTITION BY TRIM(device_id) ORDER BY valid_from) AS next_valid_from
  FROM {{ input.placements-sheet }}
  WHERE device_id IS NOT NULL AND tenant_id IS NOT NULL AND valid_from IS NOT NULL
)
