SELECT
  TRIM(meter_id) AS meter_id,
  tenant_id,
  LOWER(kind) AS kind,
  kwh,
  read_at
FROM {{ input.meter-sheet }}
WHERE kwh >= 0
