SELECT tenant_id, tariff, price_per_kwh FROM {{ input.billing-db }}
