-- Each action taken in the last 90 days with its device's CO2 in the hour before and
-- the hour after it: did opening the window help? The room is where the device was
-- placed when the action was taken.
WITH recent_co2 AS (
  SELECT tenant_id, device_id, event_ts, value
  FROM {{ iot-telemetry.metrics }}
  WHERE event_ts >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 91 DAY)
    AND metric = 'co2'
)
SELECT
  a.tenant_id,
  cu.name AS tenant_name,
  p.building,
  p.floor,
  p.room,
  a.device_id,
  a.action_id,
  a.taken_at,
  a.category,
  a.action,
  AVG(IF(r.event_ts < a.taken_at, r.value, NULL)) AS co2_before_ppm,
  AVG(IF(r.event_ts >= a.taken_at, r.value, NULL)) AS co2_after_ppm
FROM {{ iot-actions-taken.actions }} AS a
LEFT JOIN {{ iot-metadata.device-tenants }} AS p
  ON p.device_id = a.device_id
  AND p.tenant_id = a.tenant_id
  AND a.taken_at >= p.valid_from
  AND (p.valid_to IS NULL OR a.taken_at < p.valid_to)
LEFT JOIN {{ customers.customers }} AS cu
  ON cu.customer_id = a.tenant_id
LEFT JOIN recent_co2 AS r
  ON r.device_id = a.device_id
  AND r.tenant_id = a.tenant_id
  AND r.event_ts >= TIMESTAMP_SUB(a.taken_at, INTERVAL 1 HOUR)
  AND r.event_ts < TIMESTAMP_ADD(a.taken_at, INTERVAL 1 HOUR)
WHERE a.taken_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 90 DAY)
GROUP BY
  a.tenant_id, tenant_name, p.building, p.floor, p.room, a.device_id, a.action_id,
  a.taken_at, a.category, a.action
