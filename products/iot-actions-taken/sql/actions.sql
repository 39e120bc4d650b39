-- Clean the logbook: trimmed ids, known categories, a stable id per action.
SELECT
  TO_HEX(SHA256(CONCAT(TRIM(device_id), '|', CAST(taken_at AS STRING), '|', action))) AS action_id,
  TRIM(tenant_id) AS tenant_id,
  TRIM(device_id) AS device_id,
  taken_at,
  LOWER(TRIM(category)) AS category,
  action,
  taken_by,
  CURRENT_TIMESTAMP() AS refreshed_at
FROM {{ input.logbook-sheet }}
WHERE taken_at IS NOT NULL
  AND tenant_id IS NOT NULL
  AND device_id IS NOT NULL
  AND LOWER(TRIM(category)) IN ('ventilation', 'window', 'occupancy', 'hvac', 'other')
