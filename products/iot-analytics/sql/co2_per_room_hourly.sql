-- CO2 per room and hour over the last 90 days, with the actions taken in that room
-- and hour beside it. Each reading counts for the room its device was placed in at the
-- time of the reading (a device that moved is in two rooms, each for its own hours).
-- Rows keep the tenant of the reading, so row access policies on the upstream ports
-- decide what each tenant sees.
WITH co2 AS (
  SELECT
    m.tenant_id,
    m.device_id,
    p.building,
    p.floor,
    p.room,
    p.outdoor_co2_ppm,
    TIMESTAMP_TRUNC(m.event_ts, HOUR) AS hour,
    AVG(m.value) AS avg_co2_ppm,
    MAX(m.value) AS max_co2_ppm,
    COUNT(*) AS readings
  FROM {{ iot-telemetry.metrics }} AS m
  LEFT JOIN {{ iot-metadata.device-tenants }} AS p
    ON p.device_id = m.device_id
    AND p.tenant_id = m.tenant_id
    AND m.event_ts >= p.valid_from
    AND (p.valid_to IS NULL OR m.event_ts < p.valid_to)
  WHERE m.event_ts >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 90 DAY)
    AND m.metric = 'co2'
  GROUP BY m.tenant_id, m.device_id, p.building, p.floor, p.room, p.outdoor_co2_ppm, hour
),
hourly_actions AS (
  SELECT
    a.tenant_id,
    a.device_id,
    TIMESTAMP_TRUNC(a.taken_at, HOUR) AS hour,
    ARRAY_AGG(STRUCT(a.category, a.action, a.taken_at) ORDER BY a.taken_at) AS actions
  FROM {{ iot-actions-taken.actions }} AS a
  WHERE a.taken_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 90 DAY)
  GROUP BY a.tenant_id, a.device_id, hour
)
SELECT
  c.tenant_id,
  cu.name AS tenant_name,
  c.building,
  c.floor,
  c.room,
  c.device_id,
  c.hour,
  c.avg_co2_ppm,
  c.max_co2_ppm,
  c.avg_co2_ppm - c.outdoor_co2_ppm AS co2_above_outdoor_ppm,
  c.readings,
  IFNULL(ha.actions, []) AS actions
FROM co2 AS c
LEFT JOIN {{ customers.customers }} AS cu
  ON cu.customer_id = c.tenant_id
LEFT JOIN hourly_actions AS ha
  ON ha.tenant_id = c.tenant_id AND ha.device_id = c.device_id AND ha.hour = c.hour
