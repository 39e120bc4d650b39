-- Daily indoor climate per tenant and building over the last 400 days. Each reading
-- counts for the building its device was placed in at the time of the reading.
SELECT
  m.tenant_id,
  cu.name AS tenant_name,
  p.building,
  DATE(m.event_ts) AS day,
  AVG(IF(m.metric = 'co2', m.value, NULL)) AS avg_co2_ppm,
  AVG(IF(m.metric = 'temperature', m.value, NULL)) AS avg_temperature_c,
  AVG(IF(m.metric = 'humidity', m.value, NULL)) AS avg_humidity_pct,
  MAX(IF(m.metric = 'occupancy', m.value, NULL)) AS max_occupancy,
  COUNT(DISTINCT m.device_id) AS devices
FROM {{ iot-telemetry.metrics }} AS m
LEFT JOIN {{ iot-metadata.device-tenants }} AS p
  ON p.device_id = m.device_id
  AND p.tenant_id = m.tenant_id
  AND m.event_ts >= p.valid_from
  AND (p.valid_to IS NULL OR m.event_ts < p.valid_to)
LEFT JOIN {{ customers.customers }} AS cu
  ON cu.customer_id = m.tenant_id
WHERE m.event_ts >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 400 DAY)
GROUP BY m.tenant_id, tenant_name, p.building, day
