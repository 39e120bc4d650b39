SELECT
  r.tenant_id,
  r.meter_id,
  r.read_at,
  r.kwh,
  t.tariff,
  ROUND(r.kwh * t.price_per_kwh, 2) AS cost_eur
FROM {{ energy-meters.readings }} AS r
JOIN {{ tariffs.tariffs }} AS t ON t.tenant_id = r.tenant_id
